package io.github.leakedtasks.tracking;

import java.lang.ref.WeakReference;

/**
 * What the detector decides about the tasks {@link OverdueSource}s see: which are overdue
 * (queued or running for the threshold), and which the listeners heard of already. A task
 * is heard of once: a worker's task while the same run goes on, the head of a queue while
 * it stays the head, and a task heard of at the head is not heard of again once it runs.
 * Kept per executor and per worker, both held weakly, for as long as they live: a sweep
 * in which a source could not look at an executor forgets nothing. Only the detector's
 * thread uses it.
 *
 * @since 0.1.0
 */
final class SourcedOverdueTasks {

	private final WeakIdentityMap<Heard> heard = new WeakIdentityMap<>();

	/**
	 * Receives the overdue tasks.
	 */
	@FunctionalInterface
	interface Listing {

		/**
		 * An overdue task.
		 * @param task the task
		 * @param runner the thread running it, or {@code null} while it is queued
		 * @param firstTime whether listeners have not heard of it yet
		 * @return whether it is listed: not if a wrapper's record of the same task is,
		 * and then it is not heard of
		 */
		boolean overdue(OverdueTask task, Thread runner, boolean firstTime);

	}

	/**
	 * Ask a source what it sees, and hand the overdue tasks to the listing.
	 * @param source the source
	 * @param now the time of the sweep, read before the source looks
	 * @param threshold the overdue threshold, in nanoseconds
	 * @param listing receives the overdue tasks
	 */
	void collect(OverdueSource source, long now, long threshold, Listing listing) {
		source.collect(new Observer(source, now, threshold, listing));
	}

	/**
	 * Return how many workers' runs listeners heard of for an executor, for tests.
	 */
	int heardRuns(Object executor) {
		Heard heard = this.heard.get(executor);
		return (heard != null) ? heard.running.size() : 0;
	}

	private Heard heardOf(Object executor) {
		Heard heard = this.heard.get(executor);
		if (heard == null) {
			heard = new Heard();
			Heard raced = this.heard.putIfAbsent(executor, heard);
			heard = (raced != null) ? raced : heard;
		}
		return heard;
	}

	private final class Observer implements OverdueSource.Observer {

		private final OverdueSource source;

		private final long now;

		private final long threshold;

		private final Listing listing;

		Observer(OverdueSource source, long now, long threshold, Listing listing) {
			this.source = source;
			this.now = now;
			this.threshold = threshold;
			this.listing = listing;
		}

		@Override
		public void running(Object executor, Object worker, Object task, long since, Thread runner) {
			if (executor == null || worker == null || task == null) {
				return;
			}
			try {
				long age = this.now - since;
				if (age < this.threshold) {
					return;
				}
				Heard heard = heardOf(executor);
				Long heardSince = heard.running.get(worker);
				boolean sameRun = heardSince != null && heardSince == since;
				// Heard of while it waited at the head: not heard of again now that it
				// runs.
				boolean firstTime = !sameRun && (heard.heardHead == null || heard.heardHead.get() != task);
				OverdueTask described = this.source.describe(executor, task, OverdueTask.State.RUNNING, age, runner);
				if (this.listing.overdue(described, runner, firstTime) && !sameRun) {
					heard.running.put(worker, since);
				}
			}
			catch (RuntimeException ex) {
				// The other tasks of the source are still looked at.
			}
		}

		@Override
		public void queued(Object executor, Object head, long waitedNanos) {
			if (executor == null) {
				return;
			}
			try {
				Heard heard = heardOf(executor);
				if (head == null) {
					// Once no task waits, the same task queued again is a new head.
					heard.head = null;
					heard.headHeard = false;
					return;
				}
				if (heard.head == null || heard.head.get() != head) {
					heard.head = new WeakReference<>(head);
					heard.headHeard = false;
				}
				if (waitedNanos < this.threshold) {
					return;
				}
				boolean firstTime = !heard.headHeard;
				OverdueTask described = this.source.describe(executor, head, OverdueTask.State.QUEUED, waitedNanos,
						null);
				if (this.listing.overdue(described, null, firstTime) && firstTime) {
					heard.headHeard = true;
					heard.heardHead = new WeakReference<>(head);
				}
			}
			catch (RuntimeException ex) {
				// The other executors of the source are still looked at.
			}
		}

	}

	/**
	 * What the listeners heard of an executor's tasks.
	 */
	private static final class Heard {

		/**
		 * When the run of each worker that listeners heard of started; the worker's next
		 * overdue run replaces it, and a worker that is gone takes it along.
		 */
		final WeakIdentityMap<Long> running = new WeakIdentityMap<>();

		/** The task last seen at the head of the queue. */
		WeakReference<Object> head;

		boolean headHeard;

		/** The latest head listeners heard of, not heard of again once it runs. */
		WeakReference<Object> heardHead;

	}

}
