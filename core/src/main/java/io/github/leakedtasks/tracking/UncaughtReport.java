package io.github.leakedtasks.tracking;

import java.time.Instant;

/**
 * A task with no future to deliver its failure that failed: its failure goes to a
 * handler, which receives it exactly as it would untracked.
 *
 * @param executor name of the executor
 * @param task task type
 * @param exception the failure
 * @param creationTrace where the task was created, or {@code null}
 * @param thread name of the thread that submitted the task
 * @param time when the task failed
 * @param handler who receives the failure besides the listeners
 * @param traceIds the trace and span the task was submitted in, or {@code null} without
 * tracing
 * @param leakId the id of the group the endpoint lists the failure in, or {@code null}
 * @since 0.1.0
 */
public record UncaughtReport(String executor, String task, Throwable exception, CreationTrace creationTrace,
		String thread, Instant time, Handler handler, TraceIds traceIds, String leakId) {

	/**
	 * Create a report without the id of its group.
	 * @param executor name of the executor
	 * @param task task type
	 * @param exception the failure
	 * @param creationTrace where the task was created, or {@code null}
	 * @param thread name of the thread that submitted the task
	 * @param time when the task failed
	 * @param handler who receives the failure besides the listeners
	 * @param traceIds the trace and span the task was submitted in, or {@code null}
	 */
	public UncaughtReport(String executor, String task, Throwable exception, CreationTrace creationTrace, String thread,
			Instant time, Handler handler, TraceIds traceIds) {
		this(executor, task, exception, creationTrace, thread, time, handler, traceIds, null);
	}

	/**
	 * Create a report without trace ids.
	 * @param executor name of the executor
	 * @param task task type
	 * @param exception the failure
	 * @param creationTrace where the task was created, or {@code null}
	 * @param thread name of the thread that submitted the task
	 * @param time when the task failed
	 * @param handler who receives the failure besides the listeners
	 */
	public UncaughtReport(String executor, String task, Throwable exception, CreationTrace creationTrace, String thread,
			Instant time, Handler handler) {
		this(executor, task, exception, creationTrace, thread, time, handler, null, null);
	}

	/**
	 * Who receives the failure of a task that delivers no result.
	 */
	public enum Handler {

		/**
		 * The uncaught-exception handler of the thread that ran the task: a task run with
		 * {@code execute()}.
		 */
		THREAD,

		/**
		 * The integration's own handler, such as Spring's
		 * {@code AsyncUncaughtExceptionHandler} for a {@code void @Async} method.
		 */
		INTEGRATION

	}

}
