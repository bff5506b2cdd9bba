package io.github.leakedtasks.tracking;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * What a {@link TaskScope} holds of its tasks: those that may still be queued or running,
 * their watched failures, and the leaks the collector confirmed.
 *
 * @since 0.1.0
 */
final class ScopeTasks {

	private static final long GC_INTERVAL_NANOS = 100_000_000;

	private static final long POLL_NANOS = 10_000_000;

	/**
	 * How often the collector is asked to run while a source's future is waited for whose
	 * task may have been rejected or dropped: less often than for a wrapper's queued
	 * task, since most such futures run.
	 */
	private static final long FUTURES_GC_INTERVAL_NANOS = 1_000_000_000;

	/** Tasks added between two prunings. */
	private static final int PRUNE_EVERY = 1024;

	/**
	 * How many failures a scope watches, and how many confirmed leaks it keeps, at most
	 * (each besides those handed out): a periodic task created in a test goes on adding
	 * to the test's scope long after the test ended, when nobody takes its leaks any
	 * more.
	 */
	static final int MAX_KEPT_LEAKS = 4096;

	/** Failures left out of full watches between two prunings. */
	private static final int PRUNE_EVERY_LEFT_OUT = 64;

	private final Queue<TaskRecord> tasks = new ConcurrentLinkedQueue<>();

	/** How many times a wait parked: read by tests, on the thread that waited. */
	private int polls;

	private final Queue<FailureWatch> watches = new ConcurrentLinkedQueue<>();

	/**
	 * Futures of a source, waited for while their task runs, while they failed and their
	 * failure is on its way, and, for stages their failure is handed to, while those are
	 * about to complete (see {@link ScopedFuture}).
	 */
	private final Queue<ScopedFuture> futures = new ConcurrentLinkedQueue<>();

	/**
	 * Dependent stages of the tasks' futures, each with the stage it was added to, both
	 * held weakly. A stage's failure is watched only once its completion ran, after the
	 * stage it was added to completed; one added to a completed stage completes without
	 * firing, and is looked at here. Waited for, once the tasks ended, at most
	 * {@link ScopedFuture#MAX_WAIT_NANOS} in all: a stage may also wait for another
	 * future that never completes.
	 */
	private final Queue<WeakReference<?>[]> stages = new ConcurrentLinkedQueue<>();

	private final Queue<LeakReport> confirmed = new ConcurrentLinkedQueue<>();

	/**
	 * Held while a leak is handed out: a record is marked {@link TaskRecord#SCOPE_TAKEN}
	 * under it.
	 */
	private final Object takeLock = new Object();

	private final AtomicInteger added = new AtomicInteger();

	/**
	 * How many watches {@link #watches} holds or is about to: counted before a watch is
	 * added, less what pruning removed. So the watches never pass
	 * {@link #MAX_KEPT_LEAKS}, whichever threads add them while one prunes.
	 */
	private final AtomicInteger keptWatches = new AtomicInteger();

	/** Whether a thread prunes: one at a time, so that it counts what it removes. */
	private final AtomicBoolean pruning = new AtomicBoolean();

	/** How many confirmed leaks {@link #confirmed} holds. */
	private final AtomicInteger keptConfirmed = new AtomicInteger();

	/** How many failures were left out of the full watches. */
	private final AtomicInteger leftOutWatches = new AtomicInteger();

	private static final AtomicBoolean saidLeftOut = new AtomicBoolean();

	void add(TaskRecord record, boolean waited) {
		if (waited) {
			this.tasks.add(record);
		}
		if (this.added.incrementAndGet() % PRUNE_EVERY == 0) {
			prune();
		}
	}

	void waitForStage(TrackedCompletableFuture<?> dependent, TrackedCompletableFuture<?> parent) {
		this.stages.add(new WeakReference<?>[] { new WeakReference<>(dependent), new WeakReference<>(parent) });
		if (this.added.incrementAndGet() % PRUNE_EVERY == 0) {
			prune();
		}
	}

	void waitFor(ScopedFuture future) {
		this.futures.add(future);
		if (this.added.incrementAndGet() % PRUNE_EVERY == 0) {
			prune();
		}
	}

	void watched(FailureWatch watch) {
		if (this.keptWatches.incrementAndGet() <= MAX_KEPT_LEAKS || roomAfterPruning()) {
			this.watches.add(watch);
		}
		// Only now may a wait end on this failure: the record is marked WATCHED before
		// its watch reaches the scope.
		watch.record.mark(TaskRecord.SCOPE_WATCHED);
	}

	/**
	 * Whether, the scope's watches full, pruning them makes room for one more, which is
	 * counted then; if not, or if another thread prunes them now, the failure is left
	 * out. Pruned for one failure in {@link #PRUNE_EVERY_LEFT_OUT} left out: a periodic
	 * task that fails faster than collections run would otherwise have each failure read
	 * every watch.
	 */
	private boolean roomAfterPruning() {
		this.keptWatches.decrementAndGet();
		if (this.leftOutWatches.getAndIncrement() % PRUNE_EVERY_LEFT_OUT == 0) {
			prune();
			if (this.keptWatches.incrementAndGet() <= MAX_KEPT_LEAKS) {
				return true;
			}
			this.keptWatches.decrementAndGet();
		}
		leftOut();
		return false;
	}

	void confirmed(TaskRecord record, LeakReport report) {
		// Under the lock of takeLeaks: a record it finds taken has its report queued.
		synchronized (this.takeLock) {
			if (record.mark(TaskRecord.SCOPE_TAKEN)) {
				if (this.keptConfirmed.incrementAndGet() <= MAX_KEPT_LEAKS) {
					this.confirmed.add(report);
				}
				else {
					this.keptConfirmed.decrementAndGet();
					leftOut();
				}
			}
		}
		record.mark(TaskRecord.SCOPE_CONFIRMED);
	}

	private static void leftOut() {
		if (saidLeftOut.compareAndSet(false, true)) {
			System.getLogger("io.github.leakedtasks")
				.log(System.Logger.Level.DEBUG, "A task scope holds " + MAX_KEPT_LEAKS + " leaks nobody took: "
						+ "further leaks of its tasks are left out of it (they are still reported)");
		}
	}

	/**
	 * @see TaskScope#awaitTasks(Duration)
	 */
	boolean await(Duration timeout) {
		long start = System.nanoTime();
		long timeoutNanos = TrackingSettings.saturatedNanos(timeout);
		long nextGc = start;
		long gcInterval = GC_INTERVAL_NANOS;
		long nextFuturesGc = start;
		long stagesSince = 0;
		while (true) {
			// What the scope waits for is added before what it was added for may end its
			// wait: added during a look, it is looked at again (the look reads each queue
			// one element ahead).
			int added = this.added.get();
			boolean queued = false;
			boolean pending = false;
			this.tasks.removeIf(this::isOver);
			long now = System.nanoTime();
			for (TaskRecord record : this.tasks) {
				boolean started = record.is(TaskRecord.STARTED);
				if (!started && record.since - now > 0) {
					// A delayed task not due yet (its record's time is when it is due):
					// waited for only once due, as a source's scheduled future is.
					continue;
				}
				pending = true;
				queued |= !started;
			}
			// Once the tasks ended, stages are waited for a little while in all.
			if (awaitsStages()) {
				if (pending) {
					stagesSince = 0;
				}
				else if (stagesSince == 0) {
					stagesSince = now;
					pending = true;
				}
				else {
					pending = now - stagesSince < ScopedFuture.MAX_WAIT_NANOS;
				}
			}
			for (FailureWatch watch : this.watches) {
				pending |= watch.delivered() == TrackedFuture.Outcome.PENDING && LeakRules.isLost(watch);
			}
			boolean running = false;
			for (ScopedFuture future : this.futures) {
				ScopedFuture.Wait wait = future.waiting();
				pending |= wait != null;
				running |= wait == ScopedFuture.Wait.RUNNING;
			}
			if (!pending && this.added.get() == added) {
				return true;
			}
			// Interrupted, when called or since: the wait ends, the interrupt is kept (a
			// park would return at once: the wait would spin).
			if (now - start >= timeoutNanos || Thread.currentThread().isInterrupted()) {
				return false;
			}
			if (!pending) {
				// Something was added while the queues were read: looked at again now.
				continue;
			}
			if (queued && now - nextGc >= 0) {
				// Most queued tasks are only waiting for a thread: asked less and less
				// often, the collector is not made to run fifty times in a test's wait.
				System.gc();
				nextGc = now + gcInterval;
				gcInterval = Math.min(gcInterval * 2, FUTURES_GC_INTERVAL_NANOS);
			}
			else if (running && now - nextFuturesGc >= 0) {
				// A source's future whose task is not done may never run: a submit the
				// executor rejected, a task it dropped. Collected, it is not waited for.
				System.gc();
				nextFuturesGc = now + FUTURES_GC_INTERVAL_NANOS;
			}
			this.polls++;
			LockSupport.parkNanos(POLL_NANOS);
		}
	}

	/**
	 * Return how many times the waits of this scope parked, for tests.
	 */
	int polls() {
		return this.polls;
	}

	/**
	 * Forget the stages whose completion was handled, looking at those added to a
	 * completed stage, and return whether one is due to complete: it or the stage it was
	 * added to completed, or the task at the root of its chain threw.
	 */
	private boolean awaitsStages() {
		boolean due = false;
		for (Iterator<WeakReference<?>[]> entries = this.stages.iterator(); entries.hasNext();) {
			WeakReference<?>[] entry = entries.next();
			TrackedCompletableFuture<?> stage = (TrackedCompletableFuture<?>) entry[0].get();
			if (stage == null || stage.isSettled()) {
				entries.remove();
				continue;
			}
			Object parent = entry[1].get();
			due |= stage.isDone() || (parent instanceof CompletableFuture<?> added && added.isDone())
					|| stage.rootTaskFailed();
		}
		return due;
	}

	/**
	 * @see TaskScope#takeLeaks()
	 */
	List<LeakReport> takeLeaks() {
		// What the futures deliver is read outside the lock: it may call an application's
		// future.
		List<TaskRecord> records = new ArrayList<>();
		List<LeakReport> lost = new ArrayList<>();
		for (FailureWatch watch : this.watches) {
			TaskRecord record = watch.record;
			// A constant of a class the test initialized is held by the class, not lost
			// by the test; the collector confirms one dropped.
			if (LeakRules.isLost(watch) && !record.is(TaskRecord.SCOPE_TAKEN) && !record.is(TaskRecord.CONSTANT)
					&& watch.delivered() instanceof Throwable failure) {
				records.add(record);
				lost.add(LeakRules.toReport(LeakKind.EXCEPTION_NOT_RETRIEVED, record, failure,
						record.executor.tracker().settings(), Instant.ofEpochMilli(watch.failedAtMillis)));
			}
		}
		synchronized (this.takeLock) {
			// A record the collector confirmed first has its report queued.
			List<LeakReport> leaks = takeConfirmedLeaks();
			for (int i = 0; i < lost.size(); i++) {
				if (records.get(i).mark(TaskRecord.SCOPE_TAKEN)) {
					leaks.add(lost.get(i));
				}
			}
			return leaks;
		}
	}

	List<LeakReport> takeConfirmedLeaks() {
		// Under the lock of confirmed: a leak it counts is queued.
		synchronized (this.takeLock) {
			List<LeakReport> leaks = new ArrayList<>();
			LeakReport report;
			while ((report = this.confirmed.poll()) != null) {
				this.keptConfirmed.decrementAndGet();
				leaks.add(report);
			}
			return leaks;
		}
	}

	private boolean isOver(TaskRecord record) {
		// A task cancelled while it runs may still create tasks of this scope.
		return (record.is(TaskRecord.FINISHED) && !isDelivering(record))
				|| (record.is(TaskRecord.CANCELLED) && !record.is(TaskRecord.STARTED))
				|| record.is(TaskRecord.SCOPE_CONFIRMED);
	}

	/**
	 * Whether a task's run ended with a failure its future has yet to deliver: a
	 * {@code FutureTask} sets its failure, and a mirrored {@code CompletableFuture}
	 * completes, only after the task returned, and is watched then; the failure is on its
	 * way until this scope holds its watch. A failure the future does not deliver is
	 * cancelled or retrieved: a future cancelled first, or completed with a value first.
	 */
	private static boolean isDelivering(TaskRecord record) {
		return record.is(TaskRecord.FAILED) && !record.is(TaskRecord.SCOPE_WATCHED) && !record.is(TaskRecord.RETRIEVED)
				&& !record.is(TaskRecord.CANCELLED) && !record.is(TaskRecord.UNTRACKED)
				&& !record.is(TaskRecord.REPORTED);
	}

	/**
	 * Let go of finished tasks and retrieved failures: a periodic task of a scope may go
	 * on creating tasks long after its test ended.
	 */
	private void prune() {
		if (!this.pruning.compareAndSet(false, true)) {
			// Another thread prunes now: the room there is shows once it is done.
			return;
		}
		try {
			this.tasks.removeIf(this::isOver);
			this.futures.removeIf(ScopedFuture::isOver);
			this.stages.removeIf((entry) -> {
				TrackedCompletableFuture<?> stage = (TrackedCompletableFuture<?>) entry[0].get();
				return stage == null || stage.wasSettled();
			});
			// Counted as removed, not counted again: a watch counted and not added yet
			// stays counted. Only this removes watches, so each one tested true here is
			// removed.
			int[] removed = { 0 };
			try {
				this.watches.removeIf((watch) -> {
					if (!LeakRules.isLost(watch) || watch.record.is(TaskRecord.SCOPE_TAKEN)) {
						removed[0]++;
						return true;
					}
					return false;
				});
			}
			finally {
				// What was removed before a failure too.
				this.keptWatches.addAndGet(-removed[0]);
			}
		}
		finally {
			this.pruning.set(false);
		}
	}

	/** How many failures the scope watches: for tests. */
	int watchCount() {
		return this.watches.size();
	}

	/** How many confirmed leaks the scope holds: for tests. */
	int confirmedCount() {
		return this.confirmed.size();
	}

}
