package io.github.leakedtasks.tracking;

import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.BiFunction;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * Tracking of one named executor: hands the executor wrapped tasks and hands the caller
 * tracked futures. Wrappers and integrations call it with a function that submits to the
 * real executor.
 *
 * @since 0.1.0
 */
public final class ExecutorTracking {

	private static final ClassValue<String> TASK_TYPES = new ClassValue<>() {

		@Override
		protected String computeValue(Class<?> type) {
			String name = type.getName();
			int lambda = name.indexOf("$$Lambda");
			return (lambda > 0) ? name.substring(0, lambda + "$$Lambda".length()) : name;
		}

	};

	private final TaskTracker tracker;

	private final String name;

	/** The pool the tracked tasks are handed to, whose queue the detector may read. */
	private final PoolQueue queue = new PoolQueue();

	ExecutorTracking(TaskTracker tracker, String name) {
		this.tracker = tracker;
		this.name = name;
	}

	/**
	 * Note the pool the tracked tasks are handed to. If its rejection policy is the JDK's
	 * {@code DiscardPolicy} or {@code DiscardOldestPolicy}, the detector reads its queue,
	 * at most once a sweep and only while a task not started is overdue, so that a task
	 * the policy dropped is not listed as queued until the collector confirms the drop. A
	 * {@code ScheduledThreadPoolExecutor}'s queue is not read.
	 * @param pool the pool
	 */
	public void queuesIn(ThreadPoolExecutor pool) {
		this.queue.queuesIn(pool);
	}

	/**
	 * Note the pool the tracked tasks are handed to, as
	 * {@link #queuesIn(ThreadPoolExecutor)} does, for an executor that may replace its
	 * pool (a Spring executor initialized again): the supplier is asked at each reading.
	 * @param pool returns the current pool, or {@code null}; it may throw, and should
	 * hold the executor weakly
	 */
	public void queuesIn(Supplier<ThreadPoolExecutor> pool) {
		this.queue.queuesIn(pool);
	}

	/**
	 * Note that the tracked tasks are also handed to an executor whose queue is not read.
	 */
	void queuesElsewhere() {
		this.queue.elsewhere();
	}

	/**
	 * Return the records of the tracked tasks in the pool's queue, or {@code null} if it
	 * cannot be told which tasks not started were dropped (see
	 * {@link PoolQueue#queuedRecords(List)}).
	 * @param running records of this tracking's tasks that were running
	 */
	Set<TaskRecord> queuedRecords(List<TaskRecord> running) {
		return this.queue.queuedRecords(running);
	}

	/**
	 * Return the executor's name, used in every report.
	 * @return the name
	 */
	public String name() {
		return this.name;
	}

	TaskTracker tracker() {
		return this.tracker;
	}

	/**
	 * Wrap an executor under this tracking: the engine's own wrapper, which implements
	 * {@link ScheduledExecutorService}, {@link ExecutorService} or {@link Executor},
	 * whichever the executor is.
	 * @param executor the executor
	 * @return the tracked executor
	 */
	public Executor wrap(Executor executor) {
		if (executor instanceof ScheduledExecutorService scheduled) {
			return new TrackedScheduledExecutorService(this, scheduled);
		}
		if (executor instanceof ExecutorService service) {
			return new TrackedExecutorService(this, service);
		}
		return new TrackedExecutor(this, executor);
	}

	/**
	 * Run a task whose failure goes to the thread's uncaught-exception handler.
	 * @param task the task
	 * @param taskName the task type to report, or {@code null} for the task's class
	 * @param executor hands the wrapped task to the real executor
	 */
	public void execute(Runnable task, String taskName, Consumer<Runnable> executor) {
		TrackedTask<Object> tracked = begin(task, taskName, TrackedTask.EXECUTE, false);
		tracked.submitting();
		try {
			executor.accept(tracked);
		}
		catch (RuntimeException | Error ex) {
			tracked.submitted(ex);
			tracked.abandon();
			throw ex;
		}
		tracked.submitted(null);
	}

	/**
	 * Submit a task, returning a tracked future.
	 * @param <T> the result type
	 * @param task the task
	 * @param taskName the task type to report, or {@code null} for the task's class
	 * @param submitter submits the wrapped task to the real executor
	 * @return the future to hand to the caller
	 */
	public <T> Future<T> submit(Callable<T> task, String taskName, Function<Callable<T>, Future<T>> submitter) {
		TrackedTask<T> tracked = begin(task, taskName, TrackedTask.FUTURE, false);
		return publishFrom(tracked, submitter, this::viewOf);
	}

	/**
	 * Submit a runnable task, returning a tracked future.
	 * @param <T> the result type
	 * @param task the task
	 * @param taskName the task type to report, or {@code null} for the task's class
	 * @param submitter submits the wrapped task to the real executor
	 * @return the future to hand to the caller
	 */
	public <T> Future<T> submitRunnable(Runnable task, String taskName, Function<Runnable, Future<T>> submitter) {
		TrackedTask<T> tracked = begin(task, taskName, TrackedTask.FUTURE, false);
		return publishFrom(tracked, submitter, this::viewOf);
	}

	/**
	 * Return whether an executor submits tasks exactly as {@code AbstractExecutorService}
	 * does (neither {@code submit} nor {@code newTaskFor} overridden): for it,
	 * {@link #submitAsFutureTask} makes the {@code FutureTask} it would make, which its
	 * {@code beforeExecute} and {@code afterExecute} then see as the caller does.
	 * @param executor the executor
	 * @return whether it does
	 */
	public static boolean submitsFutureTasks(Object executor) {
		return StandardSubmission.isStandard(executor);
	}

	/**
	 * Return whether a task to {@code submit} must reach an executor as it is, untracked:
	 * the executor is a pool whose {@code newTaskFor} (a scheduled pool's
	 * {@code decorateTask}) is the application's, which receives the task and may tell it
	 * from the engine's (a priority pool that reads a priority from its tasks), and the
	 * task is not a lambda's that code could not tell apart. Said once per task type, at
	 * DEBUG.
	 * @param executor the executor the task is for
	 * @param task the application's task
	 * @return whether to hand the task over as it is
	 */
	public boolean handsOver(Object executor, Object task) {
		try {
			return executor != null && handsOver(StandardSubmission.receivesSubmitted(executor), task);
		}
		catch (Throwable ex) {
			// Not told apart: tracked, as any task.
			return false;
		}
	}

	/**
	 * Return whether a task to {@code schedule} or {@code execute} on a scheduled pool
	 * must reach it as it is, untracked: its {@code decorateTask} is the application's
	 * (see {@link #handsOver(Object, Object)}).
	 * @param executor the executor the task is for
	 * @param task the application's task
	 * @return whether to hand the task over as it is
	 */
	public boolean handsOverScheduled(Object executor, Object task) {
		try {
			return executor != null && handsOver(StandardSubmission.receivesScheduled(executor), task);
		}
		catch (Throwable ex) {
			// Not told apart: tracked, as any task.
			return false;
		}
	}

	private boolean handsOver(boolean received, Object task) {
		if (!received || StandardSubmission.mayStandIn(task)) {
			return false;
		}
		this.tracker.reporter().handedOver(task.getClass());
		return true;
	}

	/**
	 * Submit a task to an executor whose {@code submit} is
	 * {@code AbstractExecutorService}'s own: make the {@code FutureTask} it would make,
	 * tracked, and execute it.
	 * @param <T> the result type
	 * @param task the task
	 * @param executor the executor
	 * @return the future to hand to the caller
	 */
	public <T> Future<T> submitAsFutureTask(Callable<T> task, Executor executor) {
		TrackedTask<T> tracked = begin(task, null, TrackedTask.FUTURE, false);
		return executeFutureTask(tracked, new TrackedFutureTask<>(tracked), executor);
	}

	/**
	 * Submit a runnable task to an executor whose {@code submit} is
	 * {@code AbstractExecutorService}'s own.
	 * @param <T> the result type
	 * @param task the task
	 * @param result what the future returns when the task completes
	 * @param executor the executor
	 * @return the future to hand to the caller
	 * @see #submitAsFutureTask(Callable, Executor)
	 */
	public <T> Future<T> submitAsFutureTask(Runnable task, T result, Executor executor) {
		TrackedTask<T> tracked = begin(task, null, TrackedTask.FUTURE, false);
		return executeFutureTask(tracked, new TrackedFutureTask<>(tracked, result), executor);
	}

	private <T> Future<T> executeFutureTask(TrackedTask<T> tracked, TrackedFutureTask<T> future, Executor executor) {
		try {
			executor.execute(future);
		}
		catch (RuntimeException | Error ex) {
			tracked.abandon();
			throw ex;
		}
		return published(tracked, future);
	}

	/**
	 * Submit a task whose future is a {@link CompletableFuture}; the returned future
	 * mirrors the one the real executor returns.
	 * @param <T> the result type
	 * @param task the task: a {@link Callable} or a {@link Runnable}
	 * @param taskName the task type to report, or {@code null} for the task's class
	 * @param submitter submits the wrapped task, a {@link Callable} and a
	 * {@link Runnable}, to the real executor
	 * @return the future to hand to the caller
	 */
	public <T> CompletableFuture<T> submitCompletable(Object task, String taskName,
			Function<TrackedTask<T>, CompletableFuture<T>> submitter) {
		// The record is created only when needed, as for any task: the mirrored future
		// keeps the task type, or the task's class, to create it with.
		Object type = (taskName != null) ? taskName : task.getClass();
		TrackedTask<T> tracked = begin(task, taskName, TrackedTask.FUTURE, false);
		CompletableFuture<T> source;
		try {
			source = submitter.apply(tracked);
		}
		catch (RuntimeException | Error ex) {
			tracked.abandon();
			throw ex;
		}
		if (source == null) {
			// A broken or mocked executor: the caller gets what it returned, and the
			// task is forgotten.
			tracked.abandon();
			return null;
		}
		TrackedCompletableFuture<T> future = completableOf(tracked, type);
		if (!future.mirror(source)) {
			return unmirrored(tracked, source);
		}
		return published(tracked, future);
	}

	/**
	 * Hand the caller the executor's own future, which refused the tracked future's
	 * observer: its task's failure is no longer tracked, and that is said once per future
	 * type.
	 */
	private <T> CompletableFuture<T> unmirrored(TrackedTask<?> tracked, CompletableFuture<T> source) {
		tracked.mark(TaskRecord.UNTRACKED);
		this.tracker.reporter().untracked(source.getClass());
		return source;
	}

	/**
	 * Return the tracked future of a task: with the task's record if it has one already,
	 * else with its type, to create the record with only if it is needed.
	 * @param type the task type's name, or the task's class, whose type name is then
	 * looked up only when the record is created
	 */
	private static <T> TrackedCompletableFuture<T> completableOf(TrackedTask<?> tracked, Object type) {
		TaskRecord record = tracked.record();
		return (record != null) ? new TrackedCompletableFuture<>(record)
				: new TrackedCompletableFuture<>(tracked, type);
	}

	/**
	 * Call a task on an executor and return a tracked {@link CompletableFuture} of its
	 * result, as Spring's {@code AsyncTaskExecutor.submitCompletable(Callable)} does by
	 * default ({@code FutureUtils.callAsync}): the executor's {@code execute} is handed
	 * the JDK's own task for {@link CompletableFuture#completeAsync}, and the task
	 * completes the tracked future itself, with no dependent on the executor's future to
	 * mirror it. A failure completes it wrapped in a
	 * {@link java.util.concurrent.CompletionException}, unless it is one; a task whose
	 * future is complete when it would start (cancelled, timed out, or completed by the
	 * application) is not called, and finishes without being reported as dropped.
	 * @param <T> the result type
	 * @param task the task
	 * @param executor the executor to run it on
	 * @return the future to hand to the caller
	 * @throws RuntimeException whatever the executor's {@code execute} throws, unchanged
	 */
	public <T> CompletableFuture<T> callAsync(Callable<T> task, Executor executor) {
		if (task == null) {
			throw new NullPointerException();
		}
		// The executor never sees this task, only the JDK's that calls it: it need not be
		// Comparable like the task.
		CallingTask<T> tracked = track(new CallingTask<>(this, task), task, null, false);
		TrackedCompletableFuture<T> future = completableOf(tracked, task.getClass());
		try {
			future.callAsync(tracked, executor);
		}
		catch (RuntimeException | Error ex) {
			tracked.abandon();
			throw ex;
		}
		return published(tracked, future);
	}

	/**
	 * Schedule a one-shot task, returning a tracked scheduled future.
	 * @param <T> the result type
	 * @param task the task: a {@link Callable} or a {@link Runnable}
	 * @param delay when it is due
	 * @param unit the unit of the delay
	 * @param submitter schedules the wrapped task on the real executor
	 * @return the future to hand to the caller
	 */
	public <T> ScheduledFuture<T> schedule(Object task, long delay, TimeUnit unit,
			Function<TrackedTask<T>, ScheduledFuture<T>> submitter) {
		// A delayed task waits by design: it gets its record, and so its due time, at
		// once.
		TrackedTask<T> tracked = begin(task, null, TrackedTask.FUTURE, true);
		// A null unit is the executor's to refuse, as it refuses it untracked: the task
		// is
		// then abandoned like any refused task.
		long delayNanos = (unit != null) ? unit.toNanos(delay) : 0;
		if (delayNanos > 0) {
			tracked.record().since += delayNanos;
		}
		return scheduled(tracked, submitter);
	}

	/**
	 * Schedule a periodic task, which stops for good when it throws.
	 * @param task the task
	 * @param submitter schedules the wrapped task on the real executor
	 * @return the future to hand to the caller
	 */
	public ScheduledFuture<?> schedulePeriodic(Runnable task,
			Function<TrackedTask<Object>, ScheduledFuture<Object>> submitter) {
		if (task == null) {
			throw new NullPointerException();
		}
		TrackedTask<Object> tracked = new TrackedTask<>(this, task, TrackedTask.PERIODIC);
		// Periodic tasks wait between runs by design: they are neither live tasks nor
		// watched for drops.
		String type = taskType(task);
		TaskScope scope = TaskScope.current();
		// Counted by the task's class, as a task submitted is: each lambda apart.
		Throwable trace = (scope != null || this.tracker.sampler().shouldCaptureTask(task)) ? CreationTrace.capture()
				: null;
		TaskRecord record = newRecord(tracked, type, trace, false);
		if (scope != null) {
			scope.add(record, false);
		}
		tracked.attach(record);
		return scheduled(tracked, submitter);
	}

	private <T> ScheduledFuture<T> scheduled(TrackedTask<T> tracked,
			Function<TrackedTask<T>, ScheduledFuture<T>> submitter) {
		return publishFrom(tracked, submitter, this::viewOf);
	}

	/**
	 * Return the caller's view of the executor's future. A future that no view can stand
	 * in for is handed over as it is, and its task's failure is no longer tracked.
	 */
	@SuppressWarnings("unchecked")
	private <T, F extends Future<T>> F viewOf(F future, TrackedTask<T> tracked) {
		if (future == null) {
			// A broken or mocked executor: the caller gets what it returned, and the
			// task is forgotten.
			tracked.abandon();
			return null;
		}
		Future<T> view = FutureViews.viewOf(future, tracked);
		if (view == null) {
			tracked.mark(TaskRecord.UNTRACKED);
			this.tracker.reporter().untracked(future.getClass());
			return future;
		}
		if (isCancelled(future)) {
			// A rejection handler cancelled it while it was submitted.
			tracked.mark(TaskRecord.CANCELLED);
		}
		return (F) view;
	}

	private static boolean isCancelled(Future<?> future) {
		try {
			return future.isCancelled();
		}
		catch (RuntimeException ex) {
			// The executor's own future, broken: the view says what it says.
			return false;
		}
	}

	/**
	 * Hand a tracked task to the real executor and the caller a tracked view of the
	 * executor's future. A task the executor refuses is forgotten, and the caller gets
	 * the executor's exception unchanged.
	 */
	private <T, F extends Future<T>, V extends Future<T>> V publishFrom(TrackedTask<T> tracked,
			Function<? super TrackedTask<T>, F> submitter, BiFunction<F, TrackedTask<T>, V> view) {
		V future;
		try {
			future = view.apply(submitter.apply(tracked), tracked);
		}
		catch (RuntimeException | Error ex) {
			tracked.abandon();
			throw ex;
		}
		return published(tracked, future);
	}

	/**
	 * Start tracking a task that an integration runs itself with
	 * {@link TrackedTask#invoke}, such as an {@code @Async} method call. Its future, if
	 * any, is handed over with {@link #publish}.
	 * @param taskName the task type to report
	 * @param deliversResult whether a future delivers the task's failure; if not, a
	 * failure is uncaught
	 * @return the task
	 */
	public TrackedTask<Object> newTask(String taskName, boolean deliversResult) {
		TrackedTask<Object> tracked = new TrackedTask<>(this, taskName,
				(deliversResult ? TrackedTask.FUTURE : TrackedTask.EXECUTE) | TrackedTask.INTEGRATION);
		TaskScope scope = TaskScope.current();
		// A live task: overdue while queued or running, dropped if the integration's
		// executor lets go of it unrun, whether that executor is tracked or not.
		TaskRecord record = newRecord(tracked, taskName, traceOf(taskName, scope), true);
		if (scope != null) {
			scope.add(record, true);
		}
		this.tracker.states().started(tracked, record);
		return tracked;
	}

	/**
	 * Return the future to hand to the caller of a task from {@link #newTask}: a tracked
	 * view of the executor's.
	 * @param <T> the result type
	 * @param task the task
	 * @param future the executor's future
	 * @return the tracked future
	 */
	public <T> Future<T> publish(TrackedTask<?> task, Future<T> future) {
		if (future instanceof CompletableFuture<T> completable) {
			// A tracked future that completes exactly as the executor's does; it also
			// watches the failure, so a failure that does not come from the task, such
			// as a failed future the task returned, is watched too.
			TrackedCompletableFuture<T> tracked = new TrackedCompletableFuture<>(task.record());
			return tracked.mirror(completable) ? published(task, tracked) : unmirrored(task, completable);
		}
		@SuppressWarnings("unchecked")
		Future<T> view = viewOf(future, (TrackedTask<T>) task);
		return (view != future) ? published(task, view) : future;
	}

	/**
	 * Give the caller back the tasks {@code shutdownNow()} returned, as the caller handed
	 * them over: the caller's own future for a submitted task (running or cancelling it
	 * is then seen, and it is reported as dropped only if it is collected without having
	 * run), and the caller's own {@code Runnable} for an executed one, which is then the
	 * caller's and no longer tracked.
	 * @param pending what the executor's {@code shutdownNow()} returned
	 * @return the list to hand to the caller
	 */
	public List<Runnable> handedBack(List<Runnable> pending) {
		try {
			return this.tracker.states().handedBack(this, pending);
		}
		catch (Throwable ex) {
			// The caller gets what the executor returned, whatever the tracker does.
			return pending;
		}
	}

	private <T, F> F published(TrackedTask<T> tracked, F future) {
		if (!(future instanceof TrackedFuture<?> view)) {
			// A tracked CompletableFuture or FutureTask watches the failures it delivers
			// itself (TaskStates.watchDelivered): its task needs no reference to it, and
			// the submitting thread reads nothing a worker may have just written.
			return future;
		}
		tracked.future = view;
		TaskRecord record = tracked.record();
		if (record != null) {
			record.view = new WeakReference<>(view);
		}
		// The task may have failed before its future existed: it sets FAILED, then reads
		// the future; this writes the future, then reads FAILED, so one of them watches.
		if (tracked.is(TaskRecord.FAILED)) {
			this.tracker.states().watchDelivered(tracked.record(), future);
		}
		if (tracked.is(TaskRecord.FINISHED)) {
			tracked.future = null;
		}
		return future;
	}

	/**
	 * Start tracking a task. It gets its record at once if it is named by the integration
	 * or needs its record from the start; otherwise only if it fails or is still queued
	 * or running when the tracker next looks.
	 */
	private <T> TrackedTask<T> begin(Object task, String taskName, int mode, boolean withRecord) {
		if (task == null) {
			throw new NullPointerException();
		}
		return track((task instanceof Comparable<?>) ? new ComparableTrackedTask<>(this, task, mode)
				: new TrackedTask<>(this, task, mode), task, taskName, withRecord);
	}

	/**
	 * Start tracking a task made by the caller, as {@link #begin} does.
	 */
	private <K extends TrackedTask<?>> K track(K tracked, Object task, String taskName, boolean withRecord) {
		TaskTracker tracker = this.tracker;
		TaskScope scope = TaskScope.current();
		Throwable trace = (scope != null || ((taskName != null) ? tracker.sampler().shouldCapture(taskName)
				: tracker.sampler().shouldCaptureTask(task))) ? CreationTrace.capture() : null;
		// A task of a scope gets its record at once, so that the scope can wait for it.
		if (taskName != null || withRecord || scope != null) {
			String type = (taskName != null) ? taskName : taskType(task);
			TaskRecord record = newRecord(tracked, type, trace, true);
			if (scope != null) {
				scope.add(record, true);
			}
			tracker.states().started(tracked, record);
		}
		else {
			if (trace != null) {
				tracked.trace(trace);
			}
			tracker.states().started(tracked);
		}
		return tracked;
	}

	private TaskRecord newRecord(TrackedTask<?> tracked, String type, Throwable trace, boolean live) {
		TaskRecord record = new TaskRecord(this, type, trace, tracked.threadName, live ? tracked : null,
				live ? this.tracker.states().queue() : null);
		record.traceIds = tracked.traceIds();
		return record;
	}

	/**
	 * Capture where a task is created, always for a task of a scope.
	 */
	private Throwable traceOf(String type, TaskScope scope) {
		return (scope != null || this.tracker.sampler().shouldCapture(type)) ? CreationTrace.capture() : null;
	}

	/**
	 * Return the task type of a task class: its name, a lambda's without what tells the
	 * lambdas of a class apart.
	 */
	static String typeName(Class<?> type) {
		return TASK_TYPES.get(type);
	}

	String taskType(Object task) {
		return TASK_TYPES.get(task.getClass());
	}

	void uncaught(TaskRecord record, Throwable failure, UncaughtReport.Handler handler) {
		this.tracker.reporter().uncaught(record, failure, handler);
	}

	void finished(TaskRecord record) {
		this.tracker.states().finished(record);
	}

	@Override
	public String toString() {
		return "ExecutorTracking[" + this.name + "]";
	}

}
