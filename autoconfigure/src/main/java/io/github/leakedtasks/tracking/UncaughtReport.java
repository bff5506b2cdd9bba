package io.github.leakedtasks.tracking;

import java.time.Instant;

/**
 * A task run with {@code execute()} that failed: its failure goes to the thread's
 * uncaught-exception handler.
 *
 * @param executor name of the executor
 * @param task task type
 * @param exception the failure
 * @param creationTrace where the task was created, or {@code null}
 * @param thread name of the thread that submitted the task
 * @param time when the task failed
 * @since 0.1.0
 */
public record UncaughtReport(String executor, String task, Throwable exception, CreationTrace creationTrace,
		String thread, Instant time) {

}
