package io.github.leakedtasks.micrometer;

/**
 * Names, tag keys, units and descriptions of the meters, shared by the code and its
 * tests.
 *
 * @since 0.1.0
 */
public final class TaskMeters {

	/**
	 * Counter of confirmed failures nobody retrieved; Prometheus
	 * {@code executor_unretrieved_tasks_total}.
	 */
	public static final String UNRETRIEVED = "executor.unretrieved";

	/**
	 * Counter of tasks dropped while pending; Prometheus
	 * {@code executor_dropped_tasks_total}.
	 */
	public static final String DROPPED = "executor.dropped";

	/**
	 * Counter of failed {@code execute()} tasks and {@code void @Async} methods;
	 * Prometheus {@code executor_uncaught_tasks_total}.
	 */
	public static final String UNCAUGHT = "executor.uncaught";

	/**
	 * Gauge of tasks queued or running past the overdue threshold; Prometheus
	 * {@code executor_overdue_tasks}.
	 */
	public static final String OVERDUE = "executor.overdue";

	/**
	 * Gauge of failures unretrieved past the grace period and not yet proven lost;
	 * Prometheus {@code executor_suspected_tasks}.
	 */
	public static final String SUSPECTED = "executor.suspected";

	/**
	 * Tag naming the executor bean, as Spring Boot's own {@code executor.*} meters do.
	 */
	public static final String NAME_TAG = "name";

	/**
	 * Tag naming the simple class name of the failure.
	 */
	public static final String EXCEPTION_TAG = "exception";

	/**
	 * Base unit of every meter.
	 */
	public static final String BASE_UNIT = "tasks";

	static final String UNRETRIEVED_DESCRIPTION = "Tasks that failed and whose failure nobody retrieved before their "
			+ "future was garbage collected";

	static final String DROPPED_DESCRIPTION = "Tasks the executor dropped while pending, which will never run";

	static final String UNCAUGHT_DESCRIPTION = "Tasks run with execute() or void @Async methods that failed; their "
			+ "failure went to the thread's uncaught-exception handler or the AsyncUncaughtExceptionHandler";

	static final String OVERDUE_DESCRIPTION = "Tasks queued or running for longer than the overdue threshold";

	static final String SUSPECTED_DESCRIPTION = "Task failures nobody retrieved within the grace period, not yet "
			+ "proven lost by the garbage collector";

	private TaskMeters() {
	}

}
