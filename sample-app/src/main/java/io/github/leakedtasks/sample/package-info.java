/**
 * Sample order service whose async work is lost in every way leaked-tasks detects.
 */
package io.github.leakedtasks.sample;
