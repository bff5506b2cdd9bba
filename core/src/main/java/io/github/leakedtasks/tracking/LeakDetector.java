package io.github.leakedtasks.tracking;

import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.PriorityQueue;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

/**
 * The tracker's daemon thread: confirms leaks the collector proved, and sweeps
 * periodically for failures still unretrieved after the grace period and for overdue
 * tasks.
 *
 * @since 0.1.0
 */
final class LeakDetector implements Runnable {

	private static final Comparator<OverdueTask> BY_AGE = Comparator.comparing(OverdueTask::age);

	/** The longest {@link #finish} waits for the detector's thread to end. */
	static final long FINISH_JOIN_MILLIS = 2000;

	/** The longest the last pass waits for what its collection enqueues. */
	private static final long FINISH_DRAIN_MILLIS = 1000;

	/**
	 * Collected references confirmed together at most, sorted so that traced records come
	 * first (see {@link #collectedTracedFirst}).
	 */
	private static final int MAX_BATCH = 4096;

	/** How long {@link #finish} waits for one more collected reference. */
	private static final long FINISH_QUIET_MILLIS = 100;

	/** A queue that could not be read: its tasks are taken as queued. */
	private static final Set<TaskRecord> UNREAD = Collections.unmodifiableSet(new HashSet<>());

	private final TaskTracker tracker;

	private final long graceNanos;

	private final long overdueNanos;

	private final long sweepMillis;

	/** What the sources' overdue tasks listeners heard of; the detector's thread only. */
	private final SourcedOverdueTasks sourced = new SourcedOverdueTasks();

	private final Thread thread;

	/**
	 * The passes asked for ({@link #requestPass}) and not made yet; emptied by the
	 * detector's thread.
	 */
	private final Queue<PassRequest> passRequests = new ConcurrentLinkedQueue<>();

	private volatile boolean running = true;

	/** Whether the loop, once it ends, makes the last pass of {@link #finish}. */
	private final AtomicBoolean finished = new AtomicBoolean();

	private volatile List<OverdueTask> overdue = List.of();

	private volatile Map<String, Integer> overdueCounts = Map.of();

	private volatile Map<String, Integer> suspectedCounts = Map.of();

	LeakDetector(TaskTracker tracker) {
		this.tracker = tracker;
		TrackingSettings settings = tracker.settings();
		this.graceNanos = TrackingSettings.saturatedNanos(settings.gracePeriod());
		this.overdueNanos = TrackingSettings.saturatedNanos(settings.overdueThreshold());
		long shortest = Math.min(this.graceNanos, this.overdueNanos) / 1_000_000;
		this.sweepMillis = Math.max(10, Math.min(1000, shortest / 4));
		this.thread = new Thread(this, "leaked-tasks-detector");
		this.thread.setDaemon(true);
	}

	void start() {
		this.thread.start();
	}

	void stop() {
		this.running = false;
		this.thread.interrupt();
	}

	/**
	 * Stop detecting, after a last pass over what one collection can prove now: when the
	 * tracker closes with its application (a Spring context closing after its executors
	 * shut down and cancelled what they had queued, a JVM exiting), a task dropped since,
	 * and a failure nobody retrieved whose future is unreachable, are reported rather
	 * than lost with the tracker. The detector's own thread makes the pass, so listeners
	 * hear of it where they always do: a sweep, then, only if a task was let go of or has
	 * not started though due, or a failure nobody retrieved is watched, one
	 * {@code System.gc()} and what it enqueues until none comes for
	 * {@value #FINISH_QUIET_MILLIS} ms, within a second. The caller waits for it up to
	 * {@value #FINISH_JOIN_MILLIS} ms (a listener that blocks holds the detector's
	 * thread, not the caller's). Only the first call does this.
	 */
	void finish() {
		if (!this.finished.compareAndSet(false, true)) {
			stop();
			return;
		}
		stop();
		if (Thread.currentThread() == this.thread) {
			// Closed by a listener: the pass follows once it returns.
			return;
		}
		try {
			this.thread.join(FINISH_JOIN_MILLIS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * Ask the detector's thread to make, now, the pass {@link #finish} makes before it
	 * stops, without stopping: a sweep (less the overdue tasks', which takes two sweeps
	 * apart), then, only if something is at stake, one collection and what it proves. The
	 * detector's thread is woken by a reference of its own enqueued on its queue, not
	 * interrupted: an interrupt would close an interruptible channel a listener writes
	 * to. On the detector's own thread (a listener asking), or once the detector stopped,
	 * nothing is asked.
	 * @return the request to wait for with {@link #awaitPass}, or {@code null}
	 */
	PassRequest requestPass() {
		if (!this.running || Thread.currentThread() == this.thread) {
			return null;
		}
		PassRequest request = new PassRequest();
		this.passRequests.add(request);
		// Confirmed as nothing: it is neither a record nor a watch.
		new WeakReference<>(this, this.tracker.states().queue()).enqueue();
		if (!this.running && this.passRequests.remove(request)) {
			// Stopped meanwhile, before its last pass took the request.
			return null;
		}
		return request;
	}

	/**
	 * Wait for a pass asked for; one not made in time is not made for this caller.
	 * @param request the request, or {@code null} if none was made
	 * @param nanos how long to wait
	 * @return whether the pass was made, to its end, within the time
	 * @throws InterruptedException if the calling thread is interrupted while it waits
	 */
	boolean awaitPass(PassRequest request, long nanos) throws InterruptedException {
		if (request == null) {
			return false;
		}
		try {
			if (request.done.await(nanos, TimeUnit.NANOSECONDS)) {
				return request.made;
			}
		}
		finally {
			// Gone if the detector took it; else nobody waits for it any more.
			this.passRequests.remove(request);
		}
		return false;
	}

	/**
	 * Make one pass for every request waiting, if any.
	 * @return whether it made one
	 */
	private boolean answerPassRequests() {
		if (this.passRequests.isEmpty()) {
			return false;
		}
		passAnswering(false);
		return true;
	}

	/**
	 * Make a pass for the requests waiting now, and answer them with whether it got to
	 * its end.
	 */
	private void passAnswering(boolean closing) {
		List<PassRequest> requests = takePassRequests();
		boolean made = false;
		try {
			made = pass(closing);
		}
		finally {
			PassRequest.answer(requests, made);
		}
	}

	private List<PassRequest> takePassRequests() {
		List<PassRequest> taken = new ArrayList<>();
		for (PassRequest request = this.passRequests.poll(); request != null; request = this.passRequests.poll()) {
			taken.add(request);
		}
		return taken;
	}

	/**
	 * The pass {@link #finish} asks for, on the detector's thread once its loop ended.
	 */
	private void lastPass() {
		// The interrupt that ended the loop, if no wait consumed it.
		Thread.interrupted();
		passAnswering(true);
	}

	/**
	 * Make a pass over what one collection can prove now: a sweep, then, only if
	 * something is at stake, one collection and what it enqueues.
	 * @param closing whether the tracker closes, when what the pass confirms is left to
	 * the listeners ({@link LeakReporter#closing()}); a pass asked for while the detector
	 * runs leaves the overdue tasks to the loop's sweeps
	 * @return whether the pass got to its end
	 */
	private boolean pass(boolean closing) {
		try {
			// A stage made on a failed future just before: its failure is watched too.
			this.tracker.states().checkCompletedDependents();
			sweep(closing);
			// A collection proves lost what the application let go of: a task dropped, or
			// a failure nobody retrieved whose future is unreachable now that its
			// application ends (a short-lived program's, which exits before its grace
			// period is over and no collection ran). Only then: a close costs nothing
			// when nothing is at stake.
			if (!this.tracker.states().awaitsCollection(System.nanoTime())
					&& !this.tracker.states().watchesUnretrieved()) {
				return true;
			}
			if (closing) {
				this.tracker.reporter().closing();
			}
			System.gc();
			long deadline = System.nanoTime() + FINISH_DRAIN_MILLIS * 1_000_000;
			List<Reference<?>> batch = new ArrayList<>();
			Reference<?> reference = this.tracker.states().queue().remove(FINISH_QUIET_MILLIS);
			while (reference != null) {
				batch.add(reference);
				if (batch.size() == MAX_BATCH) {
					collectedTracedFirst(batch);
					batch = new ArrayList<>();
				}
				reference = (System.nanoTime() - deadline < 0)
						? this.tracker.states().queue().remove(FINISH_QUIET_MILLIS) : null;
			}
			collectedTracedFirst(batch);
			return true;
		}
		catch (InterruptedException ex) {
			// Stopped: stop() is the only interrupt while the detector runs.
			if (!closing) {
				Thread.currentThread().interrupt();
			}
			return false;
		}
		catch (Throwable ex) {
			// A pass never fails on what an application's object does.
			return false;
		}
	}

	List<OverdueTask> overdue() {
		return this.overdue;
	}

	int overdueCount(String executor) {
		return this.overdueCounts.getOrDefault(executor, 0);
	}

	int suspectedCount(String executor) {
		return this.suspectedCounts.getOrDefault(executor, 0);
	}

	@Override
	public void run() {
		long nextSweep = System.nanoTime();
		while (this.running) {
			try {
				this.tracker.states().checkCompletedDependents();
				// A request is not kept waiting: a pass may have drained its wake-up.
				Reference<?> reference = this.passRequests.isEmpty()
						? this.tracker.states().queue().remove(this.sweepMillis) : this.tracker.states().queue().poll();
				while (reference != null) {
					List<Reference<?>> batch = new ArrayList<>();
					while (reference != null && batch.size() < MAX_BATCH) {
						batch.add(reference);
						reference = this.tracker.states().queue().poll();
					}
					collectedTracedFirst(batch);
				}
				if (answerPassRequests()) {
					nextSweep = System.nanoTime() + this.sweepMillis * 1_000_000;
				}
				if (System.nanoTime() - nextSweep >= 0) {
					sweep();
					nextSweep = System.nanoTime() + this.sweepMillis * 1_000_000;
				}
			}
			catch (InterruptedException ex) {
				// Only stop() ends detection; any other interrupt is spurious.
				if (!this.running) {
					break;
				}
			}
			catch (Throwable ex) {
				// Detection must outlive anything an application's object does: a broken
				// listener, an exception whose methods throw, a short-lived memory
				// shortage.
			}
		}
		if (this.finished.get()) {
			try {
				lastPass();
			}
			finally {
				this.tracker.states().releaseLive();
			}
		}
		else {
			// Nobody waits for a pass that will not come.
			PassRequest.answer(takePassRequests(), false);
		}
	}

	/**
	 * Return whether the detector's thread runs, or may still make its last pass.
	 */
	boolean isAlive() {
		return this.thread.isAlive();
	}

	/**
	 * Confirm what a collection enqueued, the records with a creation trace first: the
	 * first leak of a group is the one its log line shows, so that when one collection
	 * proves many tasks of a type lost (a burst, the last pass of a closing tracker), the
	 * line shows where the type's first tasks, the traced ones, were created, and the
	 * untraced ones join their group after it.
	 */
	private void collectedTracedFirst(List<Reference<?>> batch) {
		// Each looked at once: whether a record is traced may change while this runs (a
		// stage's record linked to its source's by another thread), so no sort.
		List<Reference<?>> untraced = new ArrayList<>();
		for (Reference<?> reference : batch) {
			if (isTraced(reference)) {
				confirm(reference);
			}
			else {
				untraced.add(reference);
			}
		}
		for (Reference<?> reference : untraced) {
			confirm(reference);
		}
	}

	private static boolean isTraced(Reference<?> reference) {
		try {
			TaskRecord record = (reference instanceof FailureWatch watch) ? watch.record
					: (reference instanceof TaskRecord taskRecord) ? taskRecord : null;
			// As its report will describe it: a stage's record may be described by its
			// source's.
			return record != null && record.described().trace != null;
		}
		catch (Throwable ex) {
			return false;
		}
	}

	private void confirm(Reference<?> reference) {
		try {
			collected(reference);
		}
		catch (Throwable ex) {
			// One that cannot be confirmed keeps none of the others from it.
		}
	}

	private void collected(Reference<?> reference) {
		if (reference instanceof FailureWatch watch) {
			if (this.tracker.states().watches().remove(watch) && !LeakRules.isLost(watch)) {
				cleared(watch);
			}
			decide(watch);
		}
		else if (reference instanceof TaskRecord record) {
			this.tracker.states().live().remove(record);
			this.tracker.states().forgetDropped(record);
			if (LeakRules.isDropped(record)) {
				this.tracker.reporter().confirmed(LeakKind.DROPPED_WHILE_PENDING, record, null);
			}
		}
	}

	/**
	 * Report the failure of a collected future if nobody was handed it and the future
	 * delivers it; one whose executor future has not completed yet is decided later.
	 */
	private void decide(FailureWatch watch) {
		try {
			if (!LeakRules.isLost(watch)) {
				return;
			}
			Object delivered = watch.delivered();
			if (delivered == TrackedFuture.Outcome.PENDING) {
				this.tracker.states().undecided(watch);
			}
			else if (delivered instanceof Throwable failure) {
				this.tracker.reporter().confirmed(LeakKind.EXCEPTION_NOT_RETRIEVED, watch.record, failure);
			}
		}
		catch (Throwable ex) {
			// One failure that cannot be looked at is not reported; the others are.
		}
	}

	void sweep() {
		sweep(true);
	}

	/**
	 * @param overdue whether to look at the overdue tasks too: not in a pass asked for
	 * between two of the loop's sweeps, where a task a worker just took would be taken
	 * for one no queue holds (see {@link #isQueued})
	 */
	private void sweep(boolean overdue) {
		// What the sources kept of futures since collected (a failure's record and its
		// exception) goes now, not when a source next adds an entry.
		WeakIdentityMap.expungeAll();
		for (FailureWatch watch : this.tracker.states().takeUndecided()) {
			decide(watch);
		}
		this.tracker.states().promoteYoung();
		long now = System.nanoTime();
		sweepSuspected(now);
		if (overdue) {
			sweepOverdue(now);
		}
	}

	private void sweepSuspected(long now) {
		List<LeakReport> suspected = new ArrayList<>();
		Map<String, Integer> counts = new HashMap<>();
		for (FailureWatch watch : this.tracker.states().watches()) {
			try {
				if (!LeakRules.isLost(watch)) {
					forget(watch);
					continue;
				}
				if (now - watch.failedAt < this.graceNanos || watch.record.is(TaskRecord.REPORTED)
						|| watch.record.is(TaskRecord.CONSTANT)) {
					continue;
				}
				Object delivered = watch.delivered();
				if (delivered instanceof Throwable failure) {
					LeakReport report = LeakRules.toReport(LeakKind.EXCEPTION_NOT_RETRIEVED, watch.record, failure,
							this.tracker.settings(), Instant.ofEpochMilli(watch.failedAtMillis));
					suspected.add(report);
					if (watch.record.mark(TaskRecord.SUSPECTED)) {
						this.tracker.reporter().untraced(watch.record);
					}
					counts.merge(report.executor(), 1, Integer::sum);
				}
				else if (delivered == null) {
					// The executor's future completed normally: its executor handled the
					// exception.
					forget(watch);
				}
			}
			catch (Throwable ex) {
				// One failure that cannot be looked at is not listed; the others are.
			}
		}
		this.tracker.groups().replaceSuspected(suspected);
		this.suspectedCounts = Map.copyOf(counts);
	}

	/**
	 * Whether a task not started is to be listed as queued: unless two sweeps in a row
	 * found it neither started nor in its pool's queue, as far as the queue tells (see
	 * {@link ExecutorTracking#queuedRecords(List)}). Each queue is read once a sweep.
	 */
	private static boolean isQueued(TaskRecord record, Map<ExecutorTracking, Set<TaskRecord>> queues,
			Map<ExecutorTracking, List<TaskRecord>> running) {
		Set<TaskRecord> queued = queues.computeIfAbsent(record.executor, (executor) -> {
			Set<TaskRecord> records = executor.queuedRecords(running.getOrDefault(executor, List.of()));
			return (records != null) ? records : UNREAD;
		});
		if (queued == UNREAD || queued.contains(record) || record.is(TaskRecord.STARTED)) {
			return true;
		}
		// The first time, a worker may have taken it and not yet be counted busy.
		return record.mark(TaskRecord.NOT_QUEUED);
	}

	private void forget(FailureWatch watch) {
		if (this.tracker.states().watches().remove(watch)) {
			cleared(watch);
		}
		watch.clear();
	}

	/**
	 * Count a failure listed as suspected that someone handled after all: a sign that the
	 * grace period is too short for the application.
	 */
	private void cleared(FailureWatch watch) {
		if (watch.record.is(TaskRecord.SUSPECTED)) {
			this.tracker.groups().suspicionCleared();
		}
	}

	private void sweepOverdue(long now) {
		int max = this.tracker.settings().maxOverdueTasks();
		PriorityQueue<OverdueTask> oldest = new PriorityQueue<>(BY_AGE);
		Map<String, Integer> counts = new HashMap<>();
		List<Map.Entry<TaskRecord, OverdueTask>> newlyOverdue = new ArrayList<>();
		// A task a wrapper tracks (an @Async call) may also be seen by a source running
		// on the same worker, inside a task the source cannot look into: the wrapper's
		// record tells more. Noted only if there is a source. In a queue, the source
		// leaves out the wrappers' tasks it recognizes (OverdueSource.describe).
		boolean sources = !this.tracker.overdueSources().isEmpty();
		Set<Thread> runners = Collections.newSetFromMap(new IdentityHashMap<>());
		List<TaskRecord> overdueRecords = new ArrayList<>();
		Map<ExecutorTracking, List<TaskRecord>> runningByExecutor = new IdentityHashMap<>();
		this.tracker.states().live().forEach((record) -> {
			Thread runner = record.runner;
			boolean running = record.is(TaskRecord.STARTED);
			if (running && !record.is(TaskRecord.FINISHED)) {
				runningByExecutor.computeIfAbsent(record.executor, (executor) -> new ArrayList<>()).add(record);
				if (sources && runner != null) {
					runners.add(runner);
				}
			}
			if (now - record.since >= this.overdueNanos && !record.is(TaskRecord.FINISHED)) {
				overdueRecords.add(record);
			}
		});
		// Outside the live list's locks: the pools' queues are read.
		Map<ExecutorTracking, Set<TaskRecord>> queues = new IdentityHashMap<>();
		for (TaskRecord record : overdueRecords) {
			// Read before whether it started: a task that starts resets it afterwards.
			long since = record.since;
			Thread runner = record.runner;
			boolean running = record.is(TaskRecord.STARTED);
			if (!running && !isQueued(record, queues, runningByExecutor)) {
				// Let go of without starting: dropped, confirmed once collected.
				continue;
			}
			counts.merge(record.executor.name(), 1, Integer::sum);
			OverdueTask task = new OverdueTask(record.executor.name(), record.taskType,
					running ? OverdueTask.State.RUNNING : OverdueTask.State.QUEUED,
					Duration.ofNanos(Math.max(0, now - since)), (running && runner != null) ? runner.getName() : null,
					CreationTrace.of(record.trace, this.tracker.settings()), record.traceIds);
			if (!record.is(TaskRecord.OVERDUE)) {
				newlyOverdue.add(Map.entry(record, task));
			}
			oldest.add(task);
			if (oldest.size() > max) {
				oldest.poll();
			}
		}
		List<OverdueTask> found = new ArrayList<>();
		for (OverdueSource source : this.tracker.overdueSources()) {
			try {
				this.sourced.collect(source, now, this.overdueNanos, max, new SourcedOverdueTasks.Listing() {

					@Override
					public boolean overdue(OverdueTask task, Thread runner, boolean firstTime) {
						if (runner != null && runners.contains(runner)) {
							return false;
						}
						counts.merge(task.executor(), 1, Integer::sum);
						if (firstTime) {
							found.add(task);
						}
						oldest.add(task);
						if (oldest.size() > max) {
							oldest.poll();
						}
						return true;
					}

					@Override
					public void alsoOverdue(String executor, int count) {
						counts.merge(executor, count, Integer::sum);
					}

				});
			}
			catch (Throwable ex) {
				// The other sources, and the wrappers' tasks, are still listed.
			}
		}
		List<OverdueTask> overdue = new ArrayList<>(oldest);
		overdue.sort(BY_AGE.reversed());
		this.overdue = List.copyOf(overdue);
		this.overdueCounts = Map.copyOf(counts);
		// Outside the live list's locks: listeners are the application's code.
		newlyOverdue.forEach((entry) -> this.tracker.reporter().overdue(entry.getKey(), entry.getValue()));
		found.forEach(this.tracker.reporter()::overdue);
	}

	/**
	 * A pass asked for: whoever asked waits for {@link #done}.
	 */
	static final class PassRequest {

		final CountDownLatch done = new CountDownLatch(1);

		/** Whether the pass got to its end; written before {@link #done} counts down. */
		volatile boolean made;

		static void answer(List<PassRequest> requests, boolean made) {
			for (PassRequest request : requests) {
				request.made = made;
				request.done.countDown();
			}
		}

	}

}
