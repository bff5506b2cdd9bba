package io.github.leakedtasks.tracking;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
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

	/** Tasks added between two prunings. */
	private static final int PRUNE_EVERY = 1024;

	private final Queue<TaskRecord> tasks = new ConcurrentLinkedQueue<>();

	private final Queue<FailureWatch> watches = new ConcurrentLinkedQueue<>();

	/**
	 * Futures of a source, waited for while they failed and their failure is on its way.
	 */
	private final Queue<ScopedFuture> futures = new ConcurrentLinkedQueue<>();

	/**
	 * Dependent stages of the tasks' futures, held weakly, with when they were first seen
	 * due to complete. A stage's failure is watched only once its completion ran, after
	 * the task at its root ended; one created on a completed stage completes without
	 * firing, and is looked at here. Waited for at most
	 * {@link ScopedFuture#MAX_WAIT_NANOS} once due: a stage may also wait for another
	 * that never completes.
	 */
	private final Queue<Object[]> stages = new ConcurrentLinkedQueue<>();

	private final Queue<LeakReport> confirmed = new ConcurrentLinkedQueue<>();

	private final Set<TaskRecord> confirmedRecords = ConcurrentHashMap.newKeySet();

	/** Records whose leak was handed out already. */
	private final Set<TaskRecord> taken = ConcurrentHashMap.newKeySet();

	private final AtomicInteger added = new AtomicInteger();

	void add(TaskRecord record, boolean waited) {
		if (waited) {
			this.tasks.add(record);
		}
		if (this.added.incrementAndGet() % PRUNE_EVERY == 0) {
			prune();
		}
	}

	void waitForStage(TrackedCompletableFuture<?> dependent) {
		this.stages.add(new Object[] { new WeakReference<>(dependent), 0L });
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
		this.watches.add(watch);
		// Only now may a wait end on this failure: the record is marked WATCHED before
		// its
		// watch reaches the scope.
		watch.record.mark(TaskRecord.SCOPE_WATCHED);
	}

	void confirmed(TaskRecord record, LeakReport report) {
		// Under the lock of takeLeaks: a record it finds taken has its report queued.
		synchronized (this.taken) {
			if (this.taken.add(record)) {
				this.confirmed.add(report);
			}
		}
		this.confirmedRecords.add(record);
	}

	/**
	 * @see TaskScope#awaitTasks(Duration)
	 */
	boolean await(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		long nextGc = System.nanoTime();
		while (true) {
			boolean queued = false;
			// Stages first: a stage found failed is watched, and seen below.
			boolean pending = awaitsStages();
			this.tasks.removeIf(this::isOver);
			for (TaskRecord record : this.tasks) {
				pending = true;
				queued |= !record.is(TaskRecord.STARTED);
			}
			for (FailureWatch watch : this.watches) {
				pending |= watch.delivered() == TrackedFuture.Outcome.PENDING && LeakRules.isLost(watch);
			}
			for (ScopedFuture future : this.futures) {
				pending |= future.isDelivering();
			}
			long now = System.nanoTime();
			if (!pending) {
				return true;
			}
			if (now - deadline >= 0) {
				return false;
			}
			if (queued && now - nextGc >= 0) {
				System.gc();
				nextGc = now + GC_INTERVAL_NANOS;
			}
			LockSupport.parkNanos(POLL_NANOS);
		}
	}

	/**
	 * Forget the stages whose completion was handled, and return whether one is due to
	 * complete and still waited for.
	 */
	private boolean awaitsStages() {
		boolean pending = false;
		long now = System.nanoTime();
		for (Object[] entry : this.stages) {
			TrackedCompletableFuture<?> stage = (TrackedCompletableFuture<?>) ((WeakReference<?>) entry[0]).get();
			if (stage == null || stage.isSettled()) {
				this.stages.remove(entry);
			}
			else if (stage.isDue()) {
				long due = (long) entry[1];
				if (due == 0) {
					entry[1] = now;
					pending = true;
				}
				else if (now - due < ScopedFuture.MAX_WAIT_NANOS) {
					pending = true;
				}
				else {
					this.stages.remove(entry);
				}
			}
		}
		return pending;
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
			if (LeakRules.isLost(watch) && !this.taken.contains(record)
					&& watch.delivered() instanceof Throwable failure) {
				records.add(record);
				lost.add(LeakRules.toReport(LeakKind.EXCEPTION_NOT_RETRIEVED, record, failure,
						record.executor.tracker().settings(), Instant.ofEpochMilli(watch.failedAtMillis)));
			}
		}
		synchronized (this.taken) {
			// A record the collector confirmed first has its report queued.
			List<LeakReport> leaks = takeConfirmedLeaks();
			for (int i = 0; i < lost.size(); i++) {
				if (this.taken.add(records.get(i))) {
					leaks.add(lost.get(i));
				}
			}
			return leaks;
		}
	}

	List<LeakReport> takeConfirmedLeaks() {
		List<LeakReport> leaks = new ArrayList<>();
		LeakReport report;
		while ((report = this.confirmed.poll()) != null) {
			leaks.add(report);
		}
		return leaks;
	}

	private boolean isOver(TaskRecord record) {
		// A task cancelled while it runs may still create tasks of this scope.
		return (record.is(TaskRecord.FINISHED) && !isDelivering(record))
				|| (record.is(TaskRecord.CANCELLED) && !record.is(TaskRecord.STARTED))
				|| this.confirmedRecords.contains(record);
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
		this.tasks.removeIf(this::isOver);
		this.futures.removeIf(ScopedFuture::isOver);
		this.stages.removeIf((entry) -> {
			TrackedCompletableFuture<?> stage = (TrackedCompletableFuture<?>) ((WeakReference<?>) entry[0]).get();
			return stage == null || stage.isSettled();
		});
		this.watches.removeIf((watch) -> !LeakRules.isLost(watch) || this.taken.contains(watch.record));
	}

}
