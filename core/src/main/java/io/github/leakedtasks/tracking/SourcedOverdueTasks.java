package io.github.leakedtasks.tracking;

import java.lang.ref.WeakReference;
import java.util.List;

/**
 * What the detector decides about the tasks {@link OverdueSource}s see: which are overdue
 * (queued or running for the threshold), and which the listeners heard of already. A task
 * is heard of once: a worker's task while the same run goes on, a queued task while it
 * stays queued (behind the head, then at the head) and is seen there at every sweep, and
 * a task heard of while queued is not heard of again when a worker holds or runs it, if
 * the worker is seen with it within two sweeps. Kept per executor and per worker, both
 * held weakly, for as long as they live: a sweep in which a source could not look at an
 * executor forgets nothing. Only the detector's thread uses it.
 *
 * @since 0.1.0
 */
final class SourcedOverdueTasks {

	private final WeakIdentityMap<Heard> heard = new WeakIdentityMap<>();

	/** The sweeps so far. */
	private long sweeps;

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
		 * @return whether it is listed: not if a wrapper's record of the same task is
		 * (the same worker runs it), and then it is not heard of
		 */
		boolean overdue(OverdueTask task, Thread runner, boolean firstTime);

		/**
		 * More overdue tasks of an executor that are counted but not listed: queued
		 * behind those listed.
		 * @param executor the executor's name
		 * @param count how many
		 */
		default void alsoOverdue(String executor, int count) {
		}

	}

	/**
	 * Ask a source what it sees, and hand the overdue tasks to the listing.
	 * @param source the source
	 * @param now the time of the sweep, read before the source looks
	 * @param threshold the overdue threshold, in nanoseconds
	 * @param listedAtMost how many overdue tasks are listed at most
	 * @param listing receives the overdue tasks
	 */
	void collect(OverdueSource source, long now, long threshold, int listedAtMost, Listing listing) {
		source.collect(new Observer(source, now, threshold, listedAtMost, listing, ++this.sweeps));
	}

	/**
	 * Return how many workers' runs listeners heard of for an executor, for tests.
	 */
	int heardRuns(Object executor) {
		Heard heard = this.heard.get(executor);
		return (heard != null) ? heard.phases.size() : 0;
	}

	/**
	 * Return what listeners heard of an executor's tasks, as of a sweep that looks at it.
	 */
	private Heard heardOf(Object executor, long sweep) {
		Heard heard = this.heard.get(executor);
		if (heard == null) {
			heard = new Heard();
			Heard raced = this.heard.putIfAbsent(executor, heard);
			heard = (raced != null) ? raced : heard;
		}
		heard.lookedAt(sweep);
		return heard;
	}

	private final class Observer implements OverdueSource.Observer {

		private final OverdueSource source;

		private final long now;

		private final long threshold;

		private final int listedAtMost;

		private final Listing listing;

		private final long sweep;

		Observer(OverdueSource source, long now, long threshold, int listedAtMost, Listing listing, long sweep) {
			this.source = source;
			this.now = now;
			this.threshold = threshold;
			this.listedAtMost = listedAtMost;
			this.listing = listing;
			this.sweep = sweep;
		}

		@Override
		public long thresholdNanos() {
			return this.threshold;
		}

		@Override
		public int listedAtMost() {
			return this.listedAtMost;
		}

		@Override
		public void running(Object executor, Object worker, Object task, long since, Thread runner) {
			phase(executor, worker, task, since, runner, true);
		}

		@Override
		public void taken(Object executor, Object worker, Object task, long since) {
			phase(executor, worker, task, since, null, false);
		}

		/**
		 * A worker's task, held in {@code beforeExecute} or running: heard of once per
		 * phase, and not at all if heard of while it waited.
		 */
		private void phase(Object executor, Object worker, Object task, long since, Thread runner, boolean running) {
			if (executor == null || worker == null || task == null) {
				return;
			}
			try {
				Heard heard = heardOf(executor, this.sweep);
				boolean heardWaiting = heard.took(worker, task, running, since);
				long age = this.now - since;
				if (age < this.threshold) {
					return;
				}
				Long heardSince = heard.phases.get(worker);
				boolean samePhase = heardSince != null && heardSince == since;
				boolean firstTime = !samePhase && !heardWaiting;
				OverdueTask described = this.source.describe(executor, task,
						running ? OverdueTask.State.RUNNING : OverdueTask.State.QUEUED, age, runner);
				if (described != null) {
					heard.name = described.executor();
				}
				// A wrapper's task (null) is listed by its wrapper.
				if (described != null && this.listing.overdue(described, runner, firstTime) && !samePhase) {
					heard.phases.put(worker, since);
					if (!running) {
						// Held, it still waits: not heard of again once it runs.
						heard.tookHeard.put(worker, new Took(task, false, since));
					}
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
				Heard heard = heardOf(executor, this.sweep);
				if (head == null) {
					// Once no task waits, the same task queued again is a new head.
					heard.head = null;
					heard.headHeard = false;
					return;
				}
				if (heard.head == null || heard.head.get() != head) {
					heard.head = new WeakReference<>(head);
					// Heard of behind the head in the same wait: not heard of again.
					heard.headHeard = heard.heardWaiting(head);
				}
				if (heard.headHeard) {
					heard.remember(head, this.listedAtMost);
				}
				if (waitedNanos < this.threshold) {
					return;
				}
				boolean firstTime = !heard.headHeard;
				OverdueTask described = this.source.describe(executor, head, OverdueTask.State.QUEUED, waitedNanos,
						null);
				if (described != null) {
					heard.name = described.executor();
				}
				if (described != null && this.listing.overdue(described, null, firstTime) && firstTime) {
					heard.headHeard = true;
					heard.remember(head, this.listedAtMost);
				}
			}
			catch (RuntimeException ex) {
				// The other executors of the source are still looked at.
			}
		}

		@Override
		public void queuedBehind(Object executor, int overdue, List<?> oldest, long[] waitedNanos) {
			if (executor == null || oldest == null || waitedNanos == null) {
				return;
			}
			try {
				Heard heard = heardOf(executor, this.sweep);
				int listed = 0;
				int wrappers = 0;
				for (int i = 0; i < Math.min(oldest.size(), waitedNanos.length) && listed < this.listedAtMost; i++) {
					Object task = oldest.get(i);
					if (task == null || waitedNanos[i] < this.threshold) {
						// From the oldest: those after it waited no longer.
						break;
					}
					boolean firstTime = !heard.heardWaiting(task);
					OverdueTask described = this.source.describe(executor, task, OverdueTask.State.QUEUED,
							waitedNanos[i], null);
					if (described == null) {
						// A wrapper's task: its record is listed and counted.
						wrappers++;
						continue;
					}
					heard.name = described.executor();
					if (!this.listing.overdue(described, null, firstTime)) {
						continue;
					}
					heard.remember(task, this.listedAtMost);
					listed++;
				}
				// Named as the source last described one of its tasks: none of those read
				// may be listed here (all of them a wrapper's).
				String name = heard.name;
				if (name != null && overdue > listed + wrappers) {
					this.listing.alsoOverdue(name, overdue - listed - wrappers);
				}
			}
			catch (RuntimeException ex) {
				// The other executors of the source are still looked at.
			}
		}

	}

	/**
	 * Tasks heard of while queued that are kept per executor, beyond those of the last
	 * two sweeps: those that left the queue go once collected, or first when there are
	 * more.
	 */
	private static final int MAX_HEARD_QUEUED = 1_024;

	/**
	 * A task a worker took that listeners heard of while it waited, and the phase it was
	 * last seen in.
	 */
	private static final class Took {

		final WeakReference<Object> task;

		final boolean running;

		final long since;

		Took(Object task, boolean running, long since) {
			this.task = new WeakReference<>(task);
			this.running = running;
			this.since = since;
		}

	}

	/**
	 * What the listeners heard of an executor's tasks.
	 */
	private static final class Heard {

		/**
		 * When the phase (held in {@code beforeExecute}, or running) of each worker's
		 * task that listeners heard of started; the worker's next overdue phase replaces
		 * it, and a worker that is gone takes it along.
		 */
		final WeakIdentityMap<Long> phases = new WeakIdentityMap<>();

		/**
		 * The task each worker took that listeners heard of while it waited: not heard of
		 * again while held or run.
		 */
		final WeakIdentityMap<Took> tookHeard = new WeakIdentityMap<>();

		/** The task last seen at the head of the queue. */
		WeakReference<Object> head;

		/**
		 * The executor's name, as the source last described one of its tasks.
		 */
		String name;

		boolean headHeard;

		/**
		 * The tasks listeners heard of while they waited in the queue, with the latest
		 * sweep that saw them there: one seen at the sweep before still waits the same
		 * wait.
		 */
		final WeakIdentityMap<Long> queued = new WeakIdentityMap<>();

		/**
		 * The sweeps that looked at the executor, and the latest of all sweeps that did.
		 */
		long sweeps;

		private long lastSweep;

		void lookedAt(long sweep) {
			if (sweep != this.lastSweep) {
				this.lastSweep = sweep;
				this.sweeps++;
			}
		}

		/**
		 * Return whether a task was heard of while queued at this sweep or the one
		 * before.
		 */
		boolean heardWaiting(Object task) {
			return heardWaiting(task, 1);
		}

		/**
		 * Return whether a task was heard of while queued within this many sweeps before
		 * this one.
		 */
		boolean heardWaiting(Object task, int sweeps) {
			Long seen = this.queued.get(task);
			return seen != null && seen >= this.sweeps - sweeps;
		}

		/**
		 * Note that a worker holds or runs a task, and return whether listeners heard of
		 * it while it waited: in the queue, or held before this run.
		 */
		boolean took(Object worker, Object task, boolean running, long since) {
			// A worker may take it after its slot was read and before the queue was, at
			// the sweep after the one that saw it queued.
			if (heardWaiting(task, 2)) {
				this.queued.remove(task);
				this.tookHeard.put(worker, new Took(task, running, since));
				return true;
			}
			Took took = this.tookHeard.get(worker);
			if (took == null) {
				return false;
			}
			// The same phase, or the run after the task was held.
			if (took.task.get() == task && (took.since == since || (!took.running && running))) {
				if (took.since != since) {
					this.tookHeard.put(worker, new Took(task, running, since));
				}
				return true;
			}
			// The worker took another task, or the same one again, since.
			this.tookHeard.remove(worker);
			return false;
		}

		/**
		 * Note that a task was heard of while it waits in the queue, at this sweep.
		 */
		void remember(Object task, int listedAtMost) {
			if (this.queued.size() > MAX_HEARD_QUEUED + 2L * listedAtMost) {
				// Those no longer in the queue first.
				long latest = this.sweeps;
				this.queued.removeValues((seen) -> seen < latest - 1);
				if (this.queued.size() > MAX_HEARD_QUEUED + 2L * listedAtMost) {
					this.queued.clear();
				}
			}
			this.queued.put(task, this.sweeps);
		}

	}

}
