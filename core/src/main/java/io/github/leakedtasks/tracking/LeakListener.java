package io.github.leakedtasks.tracking;

/**
 * Receives what the tracker detects. Logs, meters and other reporting are listeners; they
 * are called on the tracker's detector thread or on the thread of a failed task, and must
 * not block.
 *
 * @since 0.1.0
 */
public interface LeakListener {

	/**
	 * Called once for every confirmed leak.
	 * @param report the leak
	 * @param group its group, including this leak
	 * @param newGroup whether this leak started the group of a place not seen before, or
	 * is the first of its group whose exception was thrown at its frame (its first frame
	 * outside the JDK and the frameworks; read for a group's first 10 leaks and one in
	 * 100 after them, 32 frames a group at most), so true more than once for one group: a
	 * place whose group the cap on groups evicted starts a group again when it comes
	 * back, but is not new (the latest evicted places are remembered, four times the cap
	 * on groups, at least 1,024 and at most 16,384, until the groups are cleared)
	 */
	default void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
	}

	/**
	 * Called once for each executor name the tracker tracks, including those tracked
	 * before this listener was added.
	 * @param executor the executor's name
	 */
	default void onExecutor(String executor) {
	}

	/**
	 * Called when a task run with {@code execute()} failed, before the thread's
	 * uncaught-exception handler runs.
	 * @param report the failure
	 */
	default void onUncaught(UncaughtReport report) {
	}

	/**
	 * Called once for each task found queued or running past the overdue threshold, on
	 * the sweep that first finds it overdue.
	 * @param task the overdue task
	 */
	default void onOverdue(OverdueTask task) {
	}

}
