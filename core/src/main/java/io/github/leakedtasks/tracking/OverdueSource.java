package io.github.leakedtasks.tracking;

/**
 * A source of tasks queued or running on executors the tracker does not wrap, such as the
 * Java agent's view of the JDK's pools. The detector asks it for the overdue ones at each
 * sweep, on its own thread.
 *
 * @since 0.1.0
 * @see TaskTracker#addOverdueSource(OverdueSource)
 * @see TaskTracker#watchOverdue(Object)
 */
public interface OverdueSource {

	/**
	 * Start watching an executor for overdue tasks, if this source can see its workers
	 * and its queue.
	 * @param executor the executor, compared by identity and held weakly
	 * @return whether this source watches it
	 */
	boolean watch(Object executor);

	/**
	 * Hand each watched task queued or running for at least the threshold to the
	 * detector.
	 * @param now the time of the sweep, as {@link System#nanoTime()}
	 * @param threshold the overdue threshold, in nanoseconds
	 * @param found receives the overdue tasks
	 */
	void collect(long now, long threshold, Found found);

	/**
	 * Receives the overdue tasks of a source.
	 */
	@FunctionalInterface
	interface Found {

		/**
		 * An overdue task.
		 * @param task the task
		 * @param runner the thread running it, or {@code null} while it is queued
		 * @param firstTime whether listeners have not heard of this task yet
		 * @return whether the task is listed (and, the first time, heard of): not if a
		 * wrapper's record of the same task is, and then the source hands it over again
		 * at the next sweep as not heard of
		 */
		boolean overdue(OverdueTask task, Thread runner, boolean firstTime);

	}

}
