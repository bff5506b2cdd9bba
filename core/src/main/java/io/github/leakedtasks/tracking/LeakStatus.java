package io.github.leakedtasks.tracking;

/**
 * How certain a leak is.
 *
 * @since 0.1.0
 */
public enum LeakStatus {

	/**
	 * The failure is still unretrieved after the grace period, but its future is still
	 * reachable.
	 */
	SUSPECTED,

	/**
	 * The garbage collector proved that nobody can retrieve the failure or run the task
	 * any more.
	 */
	CONFIRMED

}
