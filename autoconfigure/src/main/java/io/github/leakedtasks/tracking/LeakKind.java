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
	DROPPED_WHILE_PENDING

}
