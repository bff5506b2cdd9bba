/**
 * Micrometer meters counting what the tracker detects.
 */
package io.github.leakedtasks.micrometer;
