package io.github.leakedtasks.tracking;

import java.util.concurrent.Callable;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.concurrent.atomic.AtomicReferenceFieldUpdater;
import java.util.function.Supplier;

/**
 * Wraps a task handed to the executor, as a {@link Runnable} and as a {@link Callable}:
 * records when it starts and how it ends, and otherwise behaves exactly as the task.
 * <p>
 * A task that succeeds soon after it was submitted is tracked by this object alone. Its
 * {@link TaskRecord} (which outlives it, so that a drop or a lost failure can be
 * reported) is created only when needed: when the task fails, or is still queued or
 * running when the tracker looks at its young tasks.
 *
 * @param <V> the result type
 * @since 0.1.0
 */
public sealed class TrackedTask<V> implements Runnable, Callable<V> permits ComparableTrackedTask, CallingTask {

	static final int FUTURE = 0;

	static final int EXECUTE = 1 << 8;

	static final int PERIODIC = 1 << 9;

	/** A task an integration runs itself with {@link #invoke}. */
	static final int INTEGRATION = 1 << 10;

	private static final int MODES = EXECUTE | PERIODIC | INTEGRATION;

	/**
	 * An {@code execute} task failed on the submitting thread while that thread was still
	 * in the executor's {@code execute}: its report waits for {@code execute} to end.
	 */
	static final int UNCAUGHT_DEFERRED = 1 << 17;

	/** An {@code execute} task that started and finished. */
	private static final int RAN_EXECUTE = EXECUTE | TaskRecord.STARTED | TaskRecord.FINISHED;

	@SuppressWarnings("rawtypes")
	private static final AtomicIntegerFieldUpdater<TrackedTask> STATE = AtomicIntegerFieldUpdater
		.newUpdater(TrackedTask.class, "state");

	@SuppressWarnings("rawtypes")
	private static final AtomicReferenceFieldUpdater<TrackedTask, Object> RECORD = AtomicReferenceFieldUpdater
		.newUpdater(TrackedTask.class, Object.class, "record");

	@SuppressWarnings("rawtypes")
	private static final AtomicReferenceFieldUpdater<TrackedTask, Object> FUTURE_FIELD = AtomicReferenceFieldUpdater
		.newUpdater(TrackedTask.class, Object.class, "future");

	@SuppressWarnings("rawtypes")
	private static final AtomicReferenceFieldUpdater<TrackedTask, Thread> RUNNER = AtomicReferenceFieldUpdater
		.newUpdater(TrackedTask.class, Thread.class, "runner");

	final ExecutorTracking executor;

	/** Name of the thread that submitted the task. */
	final String threadName;

	/**
	 * The task, let go of once it finished as {@code FutureTask} lets go of its callable:
	 * a future the caller keeps must not keep what the task captured.
	 */
	private Object task;

	/** The mode, then the flags of {@link TaskRecord} this task has seen. */
	private volatile int state;

	/**
	 * The view handed to the caller ({@link TrackedFuture}), held while the task may
	 * still fail so that its failure can be watched (futures that watch their own
	 * failures are not held), or the future a {@link CallingTask} completes; let go of
	 * when the task finishes.
	 */
	volatile Object future;

	/**
	 * Until the task has its record: its creation trace, its {@link TraceIds}, both (an
	 * {@link Origin}) or {@code null}; then its record, which holds them. Trace ids share
	 * this field, so that a task costs no more without a tracer.
	 */
	private volatile Object record;

	private volatile Thread runner;

	TrackedTask(ExecutorTracking executor, Object task, int mode) {
		this.executor = executor;
		this.threadName = Thread.currentThread().getName();
		this.task = task;
		Supplier<TraceIds> source = executor.tracker().traceIdsSource();
		if (source != null) {
			TraceIds traceIds = TraceIds.capture(source);
			this.record = traceIds;
		}
		// Without a fence: the executor publishes the task to whoever runs it, and the
		// lock of its young tasks to the detector.
		STATE.lazySet(this, mode);
	}

	@Override
	public void run() {
		if ((this.state & RAN_EXECUTE) == RAN_EXECUTE) {
			// Run again by an executor that repeats or retries what execute was given:
			// the application's Runnable runs again, untracked, as it would unwrapped.
			((Runnable) this.task).run();
			return;
		}
		TaskScope scope = started();
		TaskScope outer = TaskScope.enter(scope);
		boolean done = !is(PERIODIC);
		try {
			((Runnable) this.task).run();
		}
		catch (Throwable ex) {
			done = true;
			failed(ex);
			throw ex;
		}
		finally {
			if (done) {
				finish();
			}
			TaskScope.leave(scope, outer);
		}
	}

	@Override
	@SuppressWarnings("unchecked")
	public V call() throws Exception {
		TaskScope scope = started();
		TaskScope outer = TaskScope.enter(scope);
		try {
			return ((Callable<V>) this.task).call();
		}
		catch (Throwable ex) {
			failed(ex);
			throw ex;
		}
		finally {
			finish();
			TaskScope.leave(scope, outer);
		}
	}

	/**
	 * Run an invocation as this task, for integrations whose task is a method call rather
	 * than a {@link Runnable} or {@link Callable}. A failure is recorded, then rethrown
	 * unchanged.
	 * @param invocation the invocation
	 * @return what the invocation returned
	 * @throws Throwable what the invocation threw
	 */
	public Object invoke(Invocation invocation) throws Throwable {
		TaskScope scope = started();
		TaskScope outer = TaskScope.enter(scope);
		try {
			return invocation.proceed();
		}
		catch (Throwable ex) {
			failed(ex);
			throw ex;
		}
		finally {
			finish();
			TaskScope.leave(scope, outer);
		}
	}

	/**
	 * Record a failure the task delivered without throwing, such as a failed future it
	 * returned.
	 * @param failure the failure
	 */
	public void failedWith(Throwable failure) {
		failed(failure);
	}

	Object task() {
		return this.task;
	}

	/**
	 * Hold the future the task completes, before the task is handed to its executor,
	 * which publishes it with the task (the detector reads this field for views only).
	 */
	void hold(Object future) {
		FUTURE_FIELD.lazySet(this, future);
	}

	/**
	 * Note that the submitting thread hands this {@code execute} task to its executor:
	 * until {@link #submitted} a failure on this thread is the caller's to receive. The
	 * field of a view, which an {@code execute} task has not, holds the thread meanwhile.
	 */
	void submitting() {
		FUTURE_FIELD.lazySet(this, Thread.currentThread());
	}

	/**
	 * Note that the executor's {@code execute} returned or threw, on the submitting
	 * thread: a failure the task threw on this thread meanwhile is reported as uncaught
	 * unless {@code execute} threw that very exception to the caller.
	 * @param thrown what {@code execute} threw, or {@code null}
	 */
	void submitted(Throwable thrown) {
		if (this.future == Thread.currentThread()) {
			FUTURE_FIELD.lazySet(this, null);
		}
		if (!is(UNCAUGHT_DEFERRED)) {
			return;
		}
		try {
			TaskRecord record = record();
			if (record != null && record.failure != null && record.failure != thrown) {
				this.executor.uncaught(record, record.failure, UncaughtReport.Handler.THREAD);
			}
		}
		catch (Throwable bookkeeping) {
			// The caller's call returns or throws as it would untracked.
		}
	}

	/**
	 * Return the record, or {@code null} while the task has none.
	 */
	TaskRecord record() {
		return (this.record instanceof TaskRecord record) ? record : null;
	}

	/**
	 * Return where the task was created, or {@code null} if it was not traced.
	 */
	Throwable trace() {
		Object record = this.record;
		if (record instanceof TaskRecord created) {
			return created.trace;
		}
		if (record instanceof Origin origin) {
			return origin.trace();
		}
		return (record instanceof Throwable trace) ? trace : null;
	}

	/**
	 * Keep the creation trace, before the task is handed to anyone.
	 */
	void trace(Throwable trace) {
		this.record = (this.record instanceof TraceIds traceIds) ? new Origin(trace, traceIds) : trace;
	}

	/**
	 * Return the trace and span the task was submitted in, or {@code null}.
	 */
	TraceIds traceIds() {
		Object record = this.record;
		if (record instanceof TaskRecord created) {
			return created.traceIds;
		}
		if (record instanceof TraceIds traceIds) {
			return traceIds;
		}
		return (record instanceof Origin origin) ? origin.traceIds() : null;
	}

	boolean is(int flag) {
		if ((this.state & flag) != 0) {
			return true;
		}
		TaskRecord record = record();
		return record != null && record.is(flag);
	}

	/**
	 * Set flags on the task, then on its record if it has one. Whoever attaches a record
	 * copies the flags again after attaching it, so no flag is lost in between.
	 */
	void mark(int flags) {
		if ((this.state & flags) != flags) {
			int current;
			do {
				current = this.state;
			}
			while (!STATE.compareAndSet(this, current, current | flags));
		}
		TaskRecord record = record();
		if (record != null) {
			record.markAll(flags);
		}
	}

	void retrieved() {
		if (!is(TaskRecord.RETRIEVED)) {
			mark(TaskRecord.RETRIEVED);
		}
	}

	/**
	 * Attach a record, unless the task has one already.
	 * @param created the record
	 * @return whether it was attached
	 */
	boolean attach(TaskRecord created) {
		created.markAll(this.state & ~MODES);
		Object trace = this.record;
		if (trace instanceof TaskRecord || !RECORD.compareAndSet(this, trace, created)) {
			return false;
		}
		created.markAll(this.state & ~MODES);
		Thread runner = this.runner;
		if (runner != null && created.is(TaskRecord.STARTED)) {
			created.runner = runner;
		}
		return true;
	}

	/**
	 * Note that the task started.
	 * @return the scope it was created in, to run it in, or {@code null}
	 */
	private TaskScope started() {
		// Without a fence: marking the task started, a volatile write, publishes it to
		// whoever sees the mark.
		RUNNER.lazySet(this, Thread.currentThread());
		mark(TaskRecord.STARTED);
		TaskRecord record = record();
		if (record != null) {
			record.started();
			return record.scope;
		}
		return null;
	}

	private void failed(Throwable ex) {
		try {
			TaskRecord record = this.executor.tracker().states().recordOf(this);
			if (SelfDeliveringTasks.keepsItsFailure(this.task)) {
				// Also for execute(): a scheduled pool's future keeps what it throws, and
				// a
				// thread that dies of it still hands it to its handler.
				mark(TaskRecord.UNTRACKED | TaskRecord.LEFT_TO_TASK);
				this.executor.tracker().reporter().leftToTask(this.task.getClass());
			}
			else if (is(EXECUTE) && this.future == Thread.currentThread()) {
				// Run by the submitting thread inside execute (a CallerRunsPolicy, a
				// synchronous executor): the exception goes on out of execute, where the
				// caller may receive it. Decided when execute ends.
				record.failure = ex;
				mark(UNCAUGHT_DEFERRED);
			}
			else if (is(EXECUTE)) {
				this.executor.uncaught(record, ex,
						is(INTEGRATION) ? UncaughtReport.Handler.INTEGRATION : UncaughtReport.Handler.THREAD);
			}
			else {
				this.executor.tracker().states().failed(record, ex, this);
			}
		}
		catch (Throwable bookkeeping) {
			// The task fails exactly as it would untracked, whatever the tracker does.
		}
	}

	private void finish() {
		finish(!is(PERIODIC));
	}

	/**
	 * @param ran whether the task ran and may let go of what it captured; a task its
	 * executor refused after queueing it may still run
	 */
	private void finish(boolean ran) {
		// Letting go needs no fence: a reader that still sees either reads a task that
		// finished.
		FUTURE_FIELD.lazySet(this, null);
		if (ran && (this.state & EXECUTE) == 0) {
			// As a FutureTask lets go of its callable. The task of execute is kept, as
			// the executor would keep the application's Runnable: it may run it again.
			// Besides what the executor keeps, the young tasks' array holds it, until the
			// next sweep.
			this.task = null;
		}
		mark(TaskRecord.FINISHED);
		TaskRecord record = record();
		if (record != null) {
			this.executor.finished(record);
		}
		RUNNER.lazySet(this, null);
	}

	/**
	 * Finish this task without running it: the future it would have completed was
	 * complete before it started, and the JDK's task that runs it then does not call it
	 * ({@link TrackedCompletableFuture#callAsync}). It is not dropped, nor queued any
	 * more.
	 */
	void passOver() {
		finish(true);
	}

	/**
	 * Forget this task because the executor refused it: the caller got the exception.
	 * Integrations call it for a task they handed to no executor.
	 */
	public void abandon() {
		retrieved();
		finish(false);
	}

	/**
	 * A method call run as a task.
	 */
	@FunctionalInterface
	public interface Invocation {

		/**
		 * Call the method.
		 * @return what it returned
		 * @throws Throwable what it threw
		 */
		Object proceed() throws Throwable;

	}

	@Override
	public String toString() {
		return String.valueOf(this.task);
	}

	/**
	 * Where a task with both a creation trace and trace ids came from, until it has a
	 * record.
	 */
	private record Origin(Throwable trace, TraceIds traceIds) {

	}

}
