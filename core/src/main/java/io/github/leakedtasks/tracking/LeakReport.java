package io.github.leakedtasks.tracking;

import java.time.Instant;

/**
 * One lost task.
 *
 * @param kind what was lost
 * @param executor name of the executor
 * @param task task type: the task's class or the method it runs
 * @param exception the task's failure as thrown by the task, or {@code null} for a drop
 * @param creationTrace where the task was created, or {@code null} when no trace was
 * captured
 * @param thread name of the thread that submitted the task
 * @param time when the leak was detected
 * @param traceIds the trace and span the task was submitted in, or {@code null} without
 * tracing
 * @since 0.1.0
 */
public record LeakReport(LeakKind kind, String executor, String task, Throwable exception, CreationTrace creationTrace,
		String thread, Instant time, TraceIds traceIds) {

	/**
	 * Create a report without trace ids, as before tracing was captured.
	 * @param kind what was lost
	 * @param executor name of the executor
	 * @param task task type
	 * @param exception the task's failure, or {@code null} for a drop
	 * @param creationTrace where the task was created, or {@code null}
	 * @param thread name of the thread that submitted the task
	 * @param time when the leak was detected
	 */
	public LeakReport(LeakKind kind, String executor, String task, Throwable exception, CreationTrace creationTrace,
			String thread, Instant time) {
		this(kind, executor, task, exception, creationTrace, thread, time, null);
	}

	/**
	 * Return the class name of the failure, or {@code null} for a drop.
	 * @return the exception type
	 */
	public String exceptionType() {
		return (this.exception != null) ? this.exception.getClass().getName() : null;
	}

}
