package io.github.leakedtasks.tracking;

import java.lang.ref.WeakReference;
import java.util.IdentityHashMap;
import java.util.Map;

/**
 * What the detector decides about the tasks {@link OverdueSource}s see: which are overdue
 * (queued or running for the threshold), and which the listeners heard of already. A task
 * is heard of once: a worker's task while the same run goes on, the head of a queue while
 * it stays the head, and a task heard of at the head is not heard of again once it runs.
 * Kept per executor, held weakly; only the detector's thread uses it.
 *
 * @since 0.1.0
 */
final class SourcedOverdueTasks {

	private final WeakIdentityMap<Heard> heard = new WeakIdentityMap<>();

	private long sweep;

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
	 * Start a sweep: what each source tells from now on is compared with what it told
	 * during the previous one.
	 */
	void startSweep() {
		this.sweep++;
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

	private Heard heardOf(Object executor) {
		Heard heard = this.heard.get(executor);
		if (heard == null) {
			heard = new Heard();
			Heard raced = this.heard.putIfAbsent(executor, heard);
			heard = (raced != null) ? raced : heard;
		}
		heard.prune(this.sweep);
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
				Heard heard = heardOf(executor);
				long[] run = heard.running.get(worker);
				boolean sameRun = run != null && run[0] == since;
				if (sameRun) {
					run[1] = SourcedOverdueTasks.this.sweep;
				}
				long age = this.now - since;
				if (age < this.threshold) {
					return;
				}
				// Heard of while it waited at the head: not heard of again now that it
				// runs.
				boolean firstTime = !sameRun && (heard.heardHead == null || heard.heardHead.get() != task);
				OverdueTask described = this.source.describe(executor, task, OverdueTask.State.RUNNING, age, runner);
				if (this.listing.overdue(described, runner, firstTime) && !sameRun) {
					heard.running.put(worker, new long[] { since, SourcedOverdueTasks.this.sweep });
				}
			}
			catch (RuntimeException ex) {
				// The other tasks of the source are still looked at.
			}
		}

		@Override
		public void queued(Object executor, Object head, long waitedNanos) {
			if (executor == null || head == null) {
				return;
			}
			try {
				Heard heard = heardOf(executor);
				long sweep = SourcedOverdueTasks.this.sweep;
				// A sweep that saw no head in between makes the same task a new head.
				boolean changed = heard.headSweep != sweep - 1 || heard.head == null || heard.head.get() != head;
				heard.headSweep = sweep;
				if (changed) {
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
		 * The run of each worker the listeners heard of: when it started, and the sweep
		 * that last saw it.
		 */
		final Map<Object, long[]> running = new IdentityHashMap<>();

		long prunedAt;

		WeakReference<Object> head;

		/** The sweep that last saw a head. */
		long headSweep;

		boolean headHeard;

		/** The latest head listeners heard of, not heard of again once it runs. */
		WeakReference<Object> heardHead;

		/**
		 * Let go of the runs the previous sweep did not see: they ended, and their
		 * workers may be gone.
		 */
		void prune(long sweep) {
			if (this.prunedAt != sweep) {
				this.prunedAt = sweep;
				this.running.values().removeIf((run) -> run[1] < sweep - 1);
			}
		}

	}

}
