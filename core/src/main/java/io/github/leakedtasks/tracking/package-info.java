/**
 * Engine that tracks executor tasks and their futures and detects lost failures, dropped
 * tasks and overdue tasks, using the JDK only.
 */
package io.github.leakedtasks.tracking;
