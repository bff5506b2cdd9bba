package io.github.leakedtasks.tracking;

/**
 * What was lost.
 *
 * @since 0.1.0
 */
public enum LeakKind {

	/**
	 * A task failed and its future became unreachable without anyone retrieving the
	 * failure.
	 */
	EXCEPTION_NOT_RETRIEVED,

	/**
	 * A task will never run: its executor dropped it while it was pending.
	 */
	DROPPED_WHILE_PENDING,

	/**
	 * Not a leak: a task with no future to deliver its failure failed, and the failure
	 * went to a handler (the thread's uncaught-exception handler, or the integration's).
	 * Listed with where the task was created; counted by its own meter, not as a leak.
	 */
	UNCAUGHT

}
