package io.github.leakedtasks.tracking;

import java.time.Clock;
import java.time.Duration;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Supplier;
import java.util.function.UnaryOperator;

/**
 * Entry point of the engine: wraps executors under a name, tracks what they run and the
 * futures they hand out, and reports lost failures, dropped tasks and overdue tasks to
 * its listeners.
 *
 * <pre class="code">
 * TaskTracker tracker = TaskTracker.create(TrackingSettings.defaults());
 * tracker.addListener(LoggingLeakListener.systemLogger(System.Logger.Level.ERROR));
 * ExecutorService executor = tracker.wrap("orders", Executors.newFixedThreadPool(4));
 * </pre>
 *
 * @since 0.1.0
 */
public final class TaskTracker implements AutoCloseable {

	private static final int MAX_TASK_NESTING = 4;

	private final TrackingSettings settings;

	private final TraceSampler sampler;

	private final LeakGroups groups;

	private final LeakReporter reporter;

	private final TaskStates states;

	private final LeakDetector detector;

	private final ExecutorNaming naming = new ExecutorNaming();

	private final List<OverdueSource> overdueSources = new CopyOnWriteArrayList<>();

	private volatile UnaryOperator<Object> inside;

	/**
	 * Source of the submitting thread's trace ids, read once per submission; {@code null}
	 * unless a tracer is plugged in.
	 */
	private volatile Supplier<TraceIds> traceIds;

	private final List<Runnable> traceIdsCaptured = new CopyOnWriteArrayList<>();

	/**
	 * The trackers created and not closed yet, for {@link #passAllNow}: no more than
	 * their detectors' threads hold already.
	 */
	static final Set<TaskTracker> OPEN = ConcurrentHashMap.newKeySet();

	@SuppressWarnings("rawtypes")
	private static final AtomicReferenceFieldUpdater<TaskTracker, Supplier> TRACE_IDS = AtomicReferenceFieldUpdater
		.newUpdater(TaskTracker.class, Supplier.class, "traceIds");

	private TaskTracker(TrackingSettings settings, Clock clock) {
		this.settings = settings;
		this.sampler = new TraceSampler(settings);
		this.groups = new LeakGroups(settings.maxGroups());
		this.reporter = new LeakReporter(settings, clock, this.groups, this.sampler);
		this.states = new TaskStates(this.reporter);
		this.detector = new LeakDetector(this);
	}

	/**
	 * Create a tracker with default settings and start its detector thread.
	 * @return the tracker
	 */
	public static TaskTracker create() {
		return create(TrackingSettings.defaults());
	}

	/**
	 * Create a tracker and start its detector thread.
	 * @param settings the settings
	 * @return the tracker
	 */
	public static TaskTracker create(TrackingSettings settings) {
		return create(settings, Clock.systemUTC());
	}

	static TaskTracker create(TrackingSettings settings, Clock clock) {
		TaskTracker tracker = new TaskTracker(settings, clock);
		tracker.detector.start();
		OPEN.add(tracker);
		TaskScope.trackerCreated();
		return tracker;
	}

	/**
	 * Return the settings the tracker was created with.
	 * @return the settings
	 */
	public TrackingSettings settings() {
		return this.settings;
	}

	/**
	 * Remember, for each task submitted from now on, the trace and span it was submitted
	 * in, as the source says, and carry them in every report about the task. The source
	 * is called on the submitting thread, once per task (with the Java agent, once per
	 * {@code FutureTask}, {@code supplyAsync} or {@code runAsync} task and plain task
	 * with state executed by a {@code ThreadPoolExecutor}, on any executor): it must be
	 * cheap, and return {@code null} outside a trace.
	 * @param source the source of the current ids, or {@code null} to stop
	 */
	public void captureTraceIds(Supplier<TraceIds> source) {
		this.traceIds = source;
		if (source != null) {
			this.traceIdsCaptured.forEach(TaskTracker::runQuietly);
		}
	}

	/**
	 * Stop remembering trace ids from a source, if it is still the one plugged in: one
	 * plugged in since is left as it is. An integration whose tracer goes away (a Spring
	 * context closing while the engine, the Java agent's, lives on) calls it, so that the
	 * engine neither keeps the tracer nor reads ids from it.
	 * @param source the source given to {@link #captureTraceIds}
	 * @return whether it was the one plugged in
	 */
	public boolean stopCapturingTraceIds(Supplier<TraceIds> source) {
		return source != null && TRACE_IDS.compareAndSet(this, source, null);
	}

	private static void runQuietly(Runnable action) {
		try {
			action.run();
		}
		catch (RuntimeException ex) {
			// An integration's action never fails the caller's.
		}
	}

	/**
	 * Run an action whenever a source of trace ids is plugged in, and now if one is: a
	 * source of events that skips the creation of futures, such as the Java agent, starts
	 * reporting them, so that the futures created in a trace remember it. An action may
	 * run more than once; a {@code RuntimeException} it throws is ignored.
	 * @param action the action
	 */
	public void whenTraceIdsCaptured(Runnable action) {
		this.traceIdsCaptured.add(action);
		if (this.traceIds != null) {
			runQuietly(action);
		}
	}

	Supplier<TraceIds> traceIdsSource() {
		return this.traceIds;
	}

	/**
	 * Add a listener of leaks and uncaught failures.
	 * @param listener the listener
	 */
	public void addListener(LeakListener listener) {
		this.reporter.addListener(listener);
	}

	/**
	 * Remove a listener.
	 * @param listener the listener
	 */
	public void removeListener(LeakListener listener) {
		this.reporter.removeListener(listener);
	}

	/**
	 * Return the tracking of an executor, for integrations that wrap executors of their
	 * own types.
	 * @param name the executor's name
	 * @return the tracking
	 */
	public ExecutorTracking executor(String name) {
		if (name == null || name.isEmpty()) {
			throw new IllegalArgumentException("Executor name must not be empty");
		}
		this.reporter.executorTracked(name);
		return new ExecutorTracking(this, name);
	}

	/**
	 * Name an executor that sources of events see without wrapping it, such as the pools
	 * whose futures a Java agent sees fail: a failure on one of its threads is reported
	 * under this name. The executor is held weakly.
	 * @param executor the executor, compared by identity
	 * @param name the name, as reports and meters show it
	 */
	public void nameExecutor(Object executor, String name) {
		if (executor == null || name == null || name.isEmpty()) {
			throw new IllegalArgumentException("Executor and name must not be null or empty");
		}
		this.naming.name(executor, name);
	}

	/**
	 * Add a source of overdue tasks on executors the tracker does not wrap, such as the
	 * Java agent's view of the JDK's pools.
	 * @param source the source
	 */
	public void addOverdueSource(OverdueSource source) {
		if (source == null) {
			throw new IllegalArgumentException("Overdue source must not be null");
		}
		this.overdueSources.add(source);
	}

	/**
	 * Watch an executor that is not wrapped for overdue tasks, through the first source
	 * added with {@link #addOverdueSource} that can see its workers and queue.
	 * @param executor the executor, compared by identity and held weakly
	 * @return whether a source watches it; if none does, only a wrapper can report its
	 * overdue tasks
	 */
	public boolean watchOverdue(Object executor) {
		if (executor == null) {
			return false;
		}
		for (OverdueSource source : this.overdueSources) {
			try {
				if (source.watch(executor)) {
					return true;
				}
			}
			catch (RuntimeException ex) {
				// A source that cannot watch it is skipped.
			}
		}
		return false;
	}

	List<OverdueSource> overdueSources() {
		return this.overdueSources;
	}

	/**
	 * Look behind executors that delegate to another, such as the JDK's
	 * {@code Executors.newSingleThreadExecutor()}: an executor named with
	 * {@link #nameExecutor} gives its name to the one whose threads run its tasks too.
	 * For the Java agent, which can read the JDK's delegating executors.
	 * @param delegates returns the executor an executor delegates to, or {@code null}
	 */
	public void lookBehindDelegates(UnaryOperator<Object> delegates) {
		this.naming.lookBehind(delegates);
	}

	/**
	 * Return the executor whose threads run an executor's tasks, as far as the delegating
	 * executors given with {@link #lookBehindDelegates} can be looked behind: for the
	 * JDK's {@code Executors.newSingleThreadExecutor()}, with the Java agent, its pool.
	 * @param executor the executor
	 * @return the executor behind it, or the executor itself if it delegates to none it
	 * knows
	 */
	public Object executorBehind(Object executor) {
		return (executor != null) ? this.naming.behind(executor) : null;
	}

	/**
	 * Look inside the tasks an integration wraps around the application's, such as
	 * Spring's {@code DelegatingErrorHandlingRunnable}, when a source of events names a
	 * task it sees without a wrapper: the task is named after the innermost one. Not for
	 * the tasks the engine's wrappers track, which they name before anything wraps them.
	 * @param inner returns the task a task wraps, or {@code null}; it must not throw
	 */
	public void lookInsideTasks(UnaryOperator<Object> inner) {
		this.inside = inner;
	}

	/**
	 * Return the innermost task of a task, at most a few levels down.
	 */
	Object innermost(Object task) {
		UnaryOperator<Object> inner = this.inside;
		Object current = task;
		for (int depth = 0; inner != null && current != null && depth < MAX_TASK_NESTING; depth++) {
			Object next;
			try {
				next = inner.apply(current);
			}
			catch (RuntimeException | LinkageError ex) {
				return current;
			}
			if (next == null || next == current) {
				return current;
			}
			current = next;
		}
		return current;
	}

	/**
	 * Name the executor whose threads' names start with a prefix, for executors that
	 * start a thread per task and so have no worker the sources of events can recognize.
	 * @param threadNamePrefix the prefix of its threads' names
	 * @param name the name, as reports and meters show it
	 */
	public void nameThreads(String threadNamePrefix, String name) {
		if (threadNamePrefix == null || threadNamePrefix.isEmpty() || name == null || name.isEmpty()) {
			throw new IllegalArgumentException("Thread name prefix and name must not be null or empty");
		}
		this.naming.nameThreads(threadNamePrefix, name);
	}

	/**
	 * Wrap an executor so that its tasks are tracked; an executor already wrapped is
	 * returned as it is.
	 * @param name the executor's name, as reports and meters show it
	 * @param executor the executor
	 * @return the wrapper, of the most specific of the three executor types the executor
	 * implements
	 */
	public Executor wrap(String name, Executor executor) {
		if (executor instanceof ScheduledExecutorService scheduled) {
			return wrap(name, scheduled);
		}
		if (executor instanceof ExecutorService service) {
			return wrap(name, service);
		}
		return (executor instanceof TrackedExecutor) ? executor : new TrackedExecutor(executor(name), executor);
	}

	/**
	 * Wrap an executor so that its tasks are tracked; an executor already wrapped is
	 * returned as it is.
	 * @param name the executor's name, as reports and meters show it
	 * @param executor the executor
	 * @return the wrapper, a {@link ScheduledExecutorService} if the executor is one
	 */
	public ExecutorService wrap(String name, ExecutorService executor) {
		if (executor instanceof ScheduledExecutorService scheduled) {
			return wrap(name, scheduled);
		}
		return (executor instanceof TrackedExecutorService) ? executor
				: new TrackedExecutorService(executor(name), executor);
	}

	/**
	 * Wrap an executor so that its tasks are tracked; an executor already wrapped is
	 * returned as it is.
	 * @param name the executor's name, as reports and meters show it
	 * @param executor the executor
	 * @return the wrapper
	 */
	public ScheduledExecutorService wrap(String name, ScheduledExecutorService executor) {
		return (executor instanceof TrackedScheduledExecutorService) ? executor
				: new TrackedScheduledExecutorService(executor(name), executor);
	}

	/**
	 * Return whether an executor was returned by the {@code wrap} methods of a tracker,
	 * so that integrations do not track its tasks a second time.
	 * @param executor the executor
	 * @return whether it is tracked
	 */
	public static boolean isTracked(Object executor) {
		return executor instanceof TrackedExecutor;
	}

	/**
	 * Return the groups of leaks: confirmed ones, then those only suspected so far.
	 * @return the groups
	 */
	public List<LeakGroup> leaks() {
		return this.groups.snapshot();
	}

	/**
	 * Return a group of leaks.
	 * @param id the group's id
	 * @return the group, empty if there is none with this id
	 */
	public Optional<LeakGroup> leak(String id) {
		return leaks().stream().filter((group) -> group.id().equals(id)).findFirst();
	}

	/**
	 * Forget the groups of leaks; the totals of {@link #summary()} are kept.
	 */
	public void clearLeaks() {
		this.groups.clear();
	}

	/**
	 * Return the names of the executors tracked so far.
	 * @return the names
	 */
	public Set<String> executorNames() {
		return this.reporter.executorNames();
	}

	/**
	 * Return the totals since the tracker was created, per kind and per executor.
	 * @return the summary
	 */
	public LeakSummary summary() {
		return this.groups.summary();
	}

	/**
	 * Return the types of futures and tasks left untracked so far because the engine
	 * cannot track them faithfully, with why, sorted by type; each was said once at DEBUG
	 * when first seen.
	 * @return the untracked types, at most 100 for each reason
	 */
	public List<UntrackedType> untrackedTypes() {
		return this.reporter.untrackedTypes();
	}

	/**
	 * Note that a source of events (an integration, the Java agent) leaves a type of
	 * future, task or executor untracked because it cannot track it faithfully: said once
	 * at DEBUG, and listed by {@link #untrackedTypes()} with the reason, at most 100
	 * types for each reason and 32 reasons, the engine's own included: a reason is a
	 * constant sentence, not one made per type or per executor.
	 * @param type the class name of what is left untracked
	 * @param reason why, as a sentence that reads after the type's name: "… is left
	 * untracked: <i>reason</i>"
	 * @throws NullPointerException if the type or the reason is {@code null}
	 */
	public void untracked(String type, String reason) {
		if (type == null || reason == null) {
			throw new NullPointerException((type == null) ? "type" : "reason");
		}
		this.reporter.untracked(type, reason);
	}

	/**
	 * Return the tasks queued or running longer than the overdue threshold, as of the
	 * latest sweep, longest first.
	 * @return the overdue tasks, at most the configured number
	 */
	public List<OverdueTask> overdueTasks() {
		return this.detector.overdue();
	}

	/**
	 * Return how many tasks of an executor are overdue, as of the latest sweep.
	 * @param executor the executor's name
	 * @return the number of overdue tasks
	 */
	public int overdueCount(String executor) {
		return this.detector.overdueCount(executor);
	}

	/**
	 * Return how many failures of an executor are suspected: unretrieved past the grace
	 * period and not yet proven lost, as of the latest sweep.
	 * @param executor the executor's name
	 * @return the number of suspected failures
	 */
	public int suspectedCount(String executor) {
		return this.detector.suspectedCount(executor);
	}

	/**
	 * Return how many tasks are queued or running.
	 * @return the number of live tasks
	 */
	public int liveTaskCount() {
		return this.states.live().size();
	}

	/**
	 * Return how many failed futures are watched, waiting to be retrieved or collected.
	 * @return the number of watched failures
	 */
	public int watchedFailureCount() {
		return this.states.watches().size();
	}

	/**
	 * Stop detection: nothing more is reported, and nothing more is held for the tasks
	 * and futures of this tracker's wrappers, which run on as they would untracked.
	 * First, what is due is reported and, if a task was let go of or has not started
	 * though due (an executor dropped it as it shut down), or a failure nobody retrieved
	 * is watched (an application that ends within the grace period), this method calls
	 * {@code System.gc()} once and reports what that collection proves: the tasks dropped
	 * and the failed futures let go of. It may take up to about a second, plus the
	 * collection.
	 */
	@Override
	public void close() {
		OPEN.remove(this);
		this.detector.finish();
		this.states.close();
		if (!this.detector.isAlive()) {
			// Else the detector lets go of them once its last pass is over: that pass may
			// still run (the closing thread was interrupted, a listener closed the
			// tracker, or the pass took longer than the wait).
			this.states.releaseLive();
		}
	}

	/**
	 * Have every open tracker's detector make, now, the pass {@link #close()} makes,
	 * without closing it, and wait for them (see {@link TaskScope#checkTrackersNow}).
	 * @param timeout how long to wait for them all
	 * @return whether every pass was made within the timeout
	 * @throws InterruptedException if the calling thread is interrupted while it waits
	 */
	static boolean passAllNow(Duration timeout) throws InterruptedException {
		long total = TrackingSettings.saturatedNanos(timeout);
		long start = System.nanoTime();
		// All asked first: the detectors make their passes together, and one's collection
		// serves the others.
		Map<LeakDetector, LeakDetector.PassRequest> requests = new IdentityHashMap<>();
		for (TaskTracker tracker : OPEN) {
			requests.put(tracker.detector, tracker.detector.requestPass());
		}
		boolean made = true;
		for (Map.Entry<LeakDetector, LeakDetector.PassRequest> request : requests.entrySet()) {
			long left = Math.max(0, total - (System.nanoTime() - start));
			made &= request.getKey().awaitPass(request.getValue(), left);
		}
		return made;
	}

	ExecutorNaming naming() {
		return this.naming;
	}

	TraceSampler sampler() {
		return this.sampler;
	}

	LeakGroups groups() {
		return this.groups;
	}

	TaskStates states() {
		return this.states;
	}

	LeakReporter reporter() {
		return this.reporter;
	}

}
