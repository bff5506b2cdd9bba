package io.github.leakedtasks.tracking;

import java.util.List;

/**
 * A source of tasks queued or running on executors the tracker does not wrap, such as the
 * Java agent's view of the JDK's pools. At each sweep, on its own thread, the detector
 * asks it what each watched executor runs and holds at the head of its queue, and since
 * when, and which tasks behind the head are known to be overdue; the detector decides
 * which tasks are overdue and which the listeners heard of already, as it does for the
 * wrappers' tasks. The source only looks.
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
	 * Tell the observer what each watched executor runs or holds before running, which
	 * task waits at the head of its queue, and which tasks behind it are known to be
	 * overdue. Tasks that wait by design, such as periodic ones, are left out.
	 * @param observer receives what the source sees
	 */
	void collect(Observer observer);

	/**
	 * Describe a task this source handed to the observer, for the detector's list: asked
	 * only of the overdue ones.
	 * @param executor the executor
	 * @param task the task, as handed to the observer
	 * @param state whether it is queued or running
	 * @param ageNanos how long it has been queued or running
	 * @param runner the thread running it, or {@code null} while it is queued
	 * @return the overdue task, or {@code null} if the engine's wrapper of an executor or
	 * an integration (such as an {@code @Async} call) tracks it: the detector lists the
	 * wrapper's record of it instead, and neither lists nor counts it here
	 */
	OverdueTask describe(Object executor, Object task, OverdueTask.State state, long ageNanos, Thread runner);

	/**
	 * Receives what a source sees of its executors.
	 */
	interface Observer {

		/**
		 * A worker of an executor runs a task.
		 * @param executor the executor
		 * @param worker what stands for the worker, compared by identity: the same object
		 * for every task the worker runs
		 * @param task the task
		 * @param since when the task started, as {@link System#nanoTime()}: this task's
		 * start or a later one's, never an earlier one's, so that its age is never
		 * overstated
		 * @param runner the thread running it
		 */
		void running(Object executor, Object worker, Object task, long since, Thread runner);

		/**
		 * A worker of an executor took a task from its queue and has not started it: the
		 * executor's {@code beforeExecute} holds it, as Spring's executors do while
		 * paused. It is listed as queued, as the wrappers list it.
		 * @param executor the executor
		 * @param worker what stands for the worker, as for {@link #running}
		 * @param task the task
		 * @param since when the worker took it, as {@link System#nanoTime()}: never
		 * earlier
		 */
		void taken(Object executor, Object worker, Object task, long since);

		/**
		 * A task waits at the head of an executor's queue, or none does that counts.
		 * @param executor the executor
		 * @param head the task, or {@code null} if none waits (or only a task that waits
		 * by design): the same task queued again is then a new head
		 * @param waitedNanos how long it is known to have waited there
		 */
		void queued(Object executor, Object head, long waitedNanos);

		/**
		 * Tasks wait behind the head of an executor's queue, told after the head: how
		 * many are known to be overdue, and the oldest of them.
		 * @param executor the executor
		 * @param overdue how many tasks behind the head are known to have waited for the
		 * threshold, at least
		 * @param oldest the oldest tasks behind the head, from the oldest, at most
		 * {@link #listedAtMost()}: those listed
		 * @param waitedNanos how long each of the oldest is known to have waited
		 */
		void queuedBehind(Object executor, int overdue, List<?> oldest, long[] waitedNanos);

		/**
		 * Return how long a task may wait or run before it is overdue: a source need not
		 * hand over tasks known to have waited less.
		 * @return the threshold, in nanoseconds
		 */
		long thresholdNanos();

		/**
		 * Return how many overdue tasks the detector lists at most: a source need not
		 * hand over more of one queue.
		 * @return the most tasks listed
		 */
		int listedAtMost();

	}

}
