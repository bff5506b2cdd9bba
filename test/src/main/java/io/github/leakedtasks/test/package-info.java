/**
 * JUnit Jupiter extension and Spring test listener that fail the test whose tasks lost a
 * failure or were dropped.
 */
package io.github.leakedtasks.test;
