package io.github.leakedtasks.tracking;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.lang.reflect.Field;
import java.lang.reflect.Modifier;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.function.Predicate;
import java.util.function.Supplier;
import java.util.function.ToIntFunction;
import java.util.function.UnaryOperator;

/**
 * Source of events for futures the engine did not create, such as those a Java agent sees
 * fail and be retrieved inside the JDK: a failed future gets a record and a watch, so
 * that it is reported like a tracked one when it is collected unread.
 * <p>
 * Nothing is kept for a future that succeeds. A future's creation is remembered, with its
 * trace, only when it is traced (every creation in {@code always} mode; the first tasks
 * of each task type in {@code sampled} mode, without the random sample, which would
 * allocate for tasks that succeed) or while a {@link TaskScope} is current, whose future
 * it then is; and, with a source of trace ids plugged in, when it is created in a trace,
 * with the trace's ids, as a wrapper's task remembers them.
 *
 * @since 0.1.0
 */
public final class FutureEvents {

	private static final String UNKNOWN_THREAD = "(unknown)";

	/**
	 * Stands for a future whose failure is delivered to a combinator, before it fails.
	 */
	private static final Object OBSERVED = new Object();

	/**
	 * Stands for a future whose failure a reader or a handler received before the hook of
	 * the thread that failed it said so (see {@link #received}).
	 */
	private static final Object RECEIVED = new Object();

	/**
	 * Stands for a future the JDK's own code failed ({@link #failedByTheJdk}): a hook
	 * that sees its failure again (the stage method that made it, which checks for a
	 * result written directly) does not watch it as a new failure.
	 */
	private static final Object JDKS_OWN = new Object();

	/**
	 * Stands for a pending stage of a named library's, due to carry a failure of the
	 * library's on ({@link #librarysStage}): that failure is noted as the library's when
	 * it arrives; a failure that comes otherwise (the application's, put over it) is
	 * watched as for any future.
	 */
	private static final Object LIBRARYS_STAGE = new Object();

	private final TaskTracker tracker;

	private final SourceExecutors executors;

	private final ExecutorTracking source;

	private final boolean tracing;

	private final WeakIdentityMap<Object> futures = new WeakIdentityMap<>();

	private final WeakIdentityMap<Creation> creations = new WeakIdentityMap<>();

	/**
	 * Dependents handed the failure of a future whose hook had yet to register it (the
	 * stage was made, on another thread, as soon as the failure was written), each with
	 * that future, held weakly: its record is looked up when the dependent fails, or
	 * later (see {@link TaskRecord#awaitSource}).
	 */
	private final WeakIdentityMap<WeakReference<Object>> unregisteredSources = new WeakIdentityMap<>();

	/**
	 * The record of the future that failed first with a failure, not handed on, by that
	 * failure (its cause if it is the JDK's wrapper), held weakly: the record holds the
	 * failure.
	 */
	private final WeakIdentityMap<WeakReference<TaskRecord>> firstFailures = new WeakIdentityMap<>();

	/**
	 * Failures received through a stage they were handed on to before the record of the
	 * future that failed first with them was registered, which takes the receipt then.
	 */
	private final WeakIdentityMap<Boolean> earlyReceipts = new WeakIdentityMap<>();

	private final WeakIdentityMap<TaskRecord> drops = new WeakIdentityMap<>();

	/**
	 * The failures the JDK's own code made ({@link #failedByTheJdk}), with the class of
	 * that code, held weakly: a source may ask whether a failure handed on is one of
	 * them.
	 */
	private final WeakIdentityMap<Class<?>> jdksFailures = new WeakIdentityMap<>();

	/** Whether {@link #jdksFailures} ever held a failure: until then it is not read. */
	private volatile boolean anyJdksFailure;

	/** Whether a class and its superclasses declare no instance field. */
	private static final ClassValue<Boolean> STATELESS = new ClassValue<>() {

		@Override
		protected Boolean computeValue(Class<?> type) {
			for (Class<?> current = type; current != null
					&& current != Object.class; current = current.getSuperclass()) {
				for (Field field : current.getDeclaredFields()) {
					if (!Modifier.isStatic(field.getModifiers())) {
						return false;
					}
				}
			}
			return true;
		}

	};

	/** Tasks inside tasks: a few levels at most, the integrations' and the source's. */
	private static final int MAX_TASK_NESTING = 8;

	/** Returns what one of the source's own tasks runs, or {@code null}. */
	private volatile UnaryOperator<Object> inside;

	/**
	 * Tells which task fails a future on the current thread now: see
	 * {@link #nameFailuresBy}.
	 */
	private volatile UnaryOperator<Object> failingTask = (future) -> null;

	/** Reads a {@code FutureTask}'s state, or {@code null}. */
	private volatile ToIntFunction<Object> futureTaskStates;

	/**
	 * Whether a plain task was remembered with trace ids: from then on, each plain task
	 * handed over outside a scope is looked up, so that one executed again loses them.
	 */
	private volatile boolean plainTraceIds;

	/**
	 * Create a source of events whose reports name it as their executor.
	 * @param tracker the tracker that watches and reports
	 * @param name the name of the source, shown as the executor of its tasks
	 */
	public FutureEvents(TaskTracker tracker, String name) {
		this.tracker = tracker;
		this.executors = new SourceExecutors(tracker, name);
		this.source = this.executors.source();
		this.tracing = tracker.sampler().capturesAny();
	}

	/**
	 * Look inside the source's own tasks, such as the JDK's task behind
	 * {@code supplyAsync}, when telling whether a task an executor let go of, or one
	 * queued or running overdue, is a wrapper's, which the wrapper reports: a wrapper's
	 * task may sit inside one of the source's, itself inside an integration's task
	 * (Spring's error-handling task around the JDK's task that a wrapper's
	 * {@code submitCompletable} hands a wrapped scheduler). Not for failures: the
	 * source's tasks catch what the task they run throws, so a failure around one is
	 * never that task's.
	 * @param inner returns what a task runs, or {@code null}; it must not throw
	 */
	public void lookInsideTasks(UnaryOperator<Object> inner) {
		this.inside = inner;
	}

	/**
	 * Name the failure of a future whose creation was not remembered (a task past its
	 * type's first traced ones) after the task that failed it, as the failure of a traced
	 * one is, when the source can tell that task on the thread that notes the failure
	 * (the agent: the function of {@code supplyAsync} or {@code runAsync} that threw);
	 * otherwise it is named after the future's class.
	 * @param task returns the task that fails a future on the current thread now, or
	 * {@code null}; it must not throw
	 */
	public void nameFailuresBy(UnaryOperator<Object> task) {
		this.failingTask = task;
	}

	/**
	 * Return the innermost task of a task, looking inside the tasks an integration wraps
	 * around the application's ({@link TaskTracker#lookInsideTasks}). Never throws.
	 * @param task the task, or {@code null}
	 * @return the innermost task, the task itself if it wraps none known, or {@code null}
	 */
	public Object innermost(Object task) {
		return (task != null) ? this.tracker.innermost(task) : null;
	}

	/**
	 * Read the state of the source's {@code FutureTask}s without calling their methods,
	 * for a {@link TaskScope}'s wait: {@code isDone()} is true while a {@code FutureTask}
	 * still stores its failure, before the source hears of it, and Java 17 has no
	 * {@code Future.state()} to tell a failure from a result.
	 * @param states returns a {@code FutureTask}'s {@code state} field (0 new, 1
	 * completing, 2 normal, 3 exceptional, more when cancelled or interrupted), or -1 if
	 * it cannot be read; it must not throw
	 */
	public void readFutureTaskStates(ToIntFunction<Object> states) {
		this.futureTaskStates = states;
	}

	/**
	 * Return whether {@link #created} keeps anything outside a {@link TaskScope}: in
	 * {@code always} mode, and in {@code sampled} mode unless no task of a type is
	 * traced.
	 * @return whether creations are traced
	 */
	public boolean tracesCreation() {
		return this.tracing;
	}

	/**
	 * Return whether every future the application makes itself ({@code new}, a future
	 * born failed) is remembered where it was made, as {@link #created} with no task
	 * does: in {@code always} mode.
	 * @return whether it is
	 */
	public boolean tracesEveryMade() {
		return this.tracker.settings().traceMode() == CreationTraceMode.ALWAYS;
	}

	/**
	 * Return whether a future the application makes itself now would be remembered: in
	 * {@code always} mode, and while a {@link TaskScope} is current, whose test it is.
	 * @return whether it would
	 */
	public boolean remembersMade() {
		return TaskScope.current() != null || tracesEveryMade();
	}

	/**
	 * Note that a future was created to run a task, or a plain task was handed to an
	 * executor, capturing where: while a {@link TaskScope} is current, or for the first
	 * tasks of a type (the random sample is left out: see
	 * {@link TraceSampler#shouldCaptureFirst}). With a source of trace ids plugged in
	 * ({@link TaskTracker#captureTraceIds}), a future created in a trace remembers it
	 * too, traced or not.
	 * @param future the future, or the plain task
	 * @param task the task, which names the task type, or {@code null}
	 */
	public void created(Object future, Object task) {
		if (future == null || isTrackedElsewhere(future) || isTrackedElsewhere(task)) {
			// A wrapper's future or task: the wrapper keeps where it was created.
			return;
		}
		TaskScope scope = TaskScope.current();
		boolean traced = scope != null
				|| (this.tracing && ((task != null) ? this.tracker.sampler().shouldCaptureFirst(task)
						: this.tracker.settings().traceMode() == CreationTraceMode.ALWAYS));
		if (traced || this.tracker.traceIdsSource() != null || this.plainTraceIds) {
			// Only when something may be kept: a trace, trace ids, or a plain task's loss
			// of the ids of its earlier execution. Apart, so that what every creation
			// runs stays small enough for the compiler to inline into the JDK's code.
			remember(future, task, scope, traced);
		}
	}

	private void remember(Object future, Object task, TaskScope scope, boolean traced) {
		boolean scoped = scope != null;
		Supplier<TraceIds> source = this.tracker.traceIdsSource();
		boolean plain = !(future instanceof Future<?>);
		// A plain task without state (a lambda that captures nothing) is one object for
		// every execution, which may overlap: it is given no trace.
		boolean singleton = plain && STATELESS.get(future.getClass());
		boolean stateless = singleton && source != null;
		if (plain && !scoped && !stateless && this.plainTraceIds && executedBefore(future)) {
			// Executed before, and maybe still running: which trace a failure or a drop
			// belongs to is not known, and none is given.
			return;
		}
		TraceIds traceIds = (source != null && !stateless) ? TraceIds.capture(source) : null;
		if (!traced && traceIds == null) {
			return;
		}
		String type = (task != null) ? typeOf(task) : future.getClass().getName();
		ScopedFuture waited = (scoped && !plain) ? new ScopedFuture(future, task != null, this.futureTaskStates) : null;
		// A task without state is held by its class for good: its creation is kept
		// rendered, else its raw stack would keep that class, and the entry, alive.
		Throwable trace = !traced ? null : singleton ? CreationTrace.renderedCapture() : CreationTrace.capture();
		Creation creation = new Creation(type, trace, Thread.currentThread().getName(), scope, waited, traceIds, null,
				task == null);
		if (plain && traceIds != null) {
			this.plainTraceIds = true;
		}
		if (scoped && plain) {
			// A plain task may be executed again (one object per lambda that captures
			// nothing): in a test, it is the latest test's.
			this.creations.put(future, creation);
			return;
		}
		Creation previous = this.creations.putIfAbsent(future, creation);
		if (previous == null && waited != null) {
			scope.waitFor(waited);
		}
		else if (previous != null && plain && traceIds != null) {
			// Executed twice at once: neither trace is given.
			executedBefore(future);
		}
	}

	/**
	 * Return whether a plain task was executed before, and if so have it lose the trace
	 * ids of that execution, keeping where it was first traced.
	 */
	private boolean executedBefore(Object task) {
		Creation previous;
		while ((previous = this.creations.get(task)) != null && previous.traceIds != null) {
			if (this.creations.replace(task, previous, previous.withoutTraceIds())) {
				return true;
			}
		}
		return previous != null;
	}

	/**
	 * Note that a failed future hands its failure on to a dependent stage: the dependent
	 * is the failed future's task's, as the stages of a wrapper's future are. Should it
	 * fail, it is reported under the same executor, task, creation trace, thread and
	 * trace ids, not under whichever thread happened to complete it (the caller's, if the
	 * source had failed when the stage was made; a worker's, if not). The failed future's
	 * scope, if any, waits for it while its failure is on its way.
	 * @param future the failed future
	 * @param dependent the dependent stage, due to complete with the failure
	 */
	public void handedOn(Object future, Object dependent) {
		handedOn(future, dependent, null);
	}

	/**
	 * Describe a dependent stage as its failed source is, and have the source's scope
	 * wait for it: at once if it is due to complete now (see
	 * {@link ScopedFuture#dueStage}), once its second input is done if it also waits for
	 * one still pending, which may never complete (see
	 * {@link ScopedFuture#stageAwaiting}).
	 */
	private void handedOn(Object future, Object dependent, Object second) {
		if (future == null || dependent == null) {
			return;
		}
		Object known = this.futures.get(future);
		if (!(known instanceof TaskRecord source)) {
			if (known != JDKS_OWN && known != LIBRARYS_STAGE && !isTrackedElsewhere(future)) {
				handedOnUnregistered(future, dependent);
			}
			return;
		}
		if (this.futures.get(dependent) instanceof TaskRecord failed) {
			// Failed already, by a handler of the failure that threw, or with the
			// failure handed on, its hook first.
			if (failed.traceIds == null) {
				failed.traceIds = source.traceIds;
			}
			if (failed.failure != null && source.failure != null
					&& TaskRecord.unwrap(failed.failure) == TaskRecord.unwrap(source.failure)) {
				// Described by the source, as if the source's hook had come first.
				failed.describedBy(source);
			}
		}
		else {
			// As the dependent would be described without its source, in the test of its
			// source's task, and with the source, whose record it takes should it fail
			// with the failure handed on (see #failed). The test waits for it meanwhile.
			Creation made = this.creations.get(dependent);
			boolean stage = made != null && made.stage;
			// A stage the test added to a future of no test is the test's still.
			TaskScope scope = (source.scope == null && stage) ? made.scope : source.scope;
			ScopedFuture waited = (scope == null) ? null : (second != null)
					? ScopedFuture.stageAwaiting(dependent, second) : ScopedFuture.dueStage(dependent);
			if (stage) {
				// Made in a test (see #stageMade): the source's now, and still traced
				// where it was made, for a handler of the failure that throws.
				if (this.creations.replace(dependent, made,
						new Creation(made.type, made.trace, made.thread, scope, waited, source.traceIds, source))) {
					settled(made);
					if (waited != null) {
						scope.waitFor(waited);
					}
				}
			}
			else if (this.creations.putIfAbsent(dependent, new Creation(dependent.getClass().getName(), null,
					UNKNOWN_THREAD, scope, waited, source.traceIds, source)) == null && waited != null) {
				scope.waitFor(waited);
			}
		}
	}

	/**
	 * Return whether a dependent stage made now would be remembered (see
	 * {@link #stageMade}): while a {@link TaskScope} is current.
	 * @return whether it would
	 */
	public boolean remembersStages() {
		return TaskScope.current() != null;
	}

	/**
	 * Note that a dependent stage of a {@code CompletableFuture} was made by the
	 * application (a stage method it called) while a {@link TaskScope} is current: a
	 * failure of its own function, wherever it runs, is the scope's, traced where the
	 * stage was made. The scope waits for it while its failure is on its way and, once
	 * its source of the JDK's own class is done, while it is pending, for at most
	 * {@link ScopedFuture#MAX_WAIT_NANOS} (a stage of two futures, or one composing the
	 * future its function returns, may wait for another future that never completes);
	 * never while its source is pending. A failure its source hands on to it describes it
	 * as the source's task (see {@link #handedOn}). A stage whose source is not known (a
	 * subclass's {@code newIncompleteFuture} made it), or is of an application's own
	 * class, is waited for only while its failure is on its way.
	 * @param stage the stage, made and not yet added to its source
	 * @param source the future it is a stage of, or {@code null} if that is not known
	 */
	public void stageMade(Object stage, Object source) {
		TaskScope scope = TaskScope.current();
		if (scope == null || stage == null || isTrackedElsewhere(stage) || isTrackedElsewhere(source)) {
			return;
		}
		Supplier<TraceIds> ids = this.tracker.traceIdsSource();
		ScopedFuture waited = (source != null && source.getClass().getClassLoader() == null)
				? ScopedFuture.stageAwaiting(stage, source) : new ScopedFuture(stage, false, this.futureTaskStates);
		Creation creation = new Creation(stage.getClass().getName(), CreationTrace.capture(),
				Thread.currentThread().getName(), scope, waited, (ids != null) ? TraceIds.capture(ids) : null, null,
				false, true);
		if (this.creations.putIfAbsent(stage, creation) == null) {
			scope.waitFor(waited);
		}
	}

	/**
	 * Note that a dependent was handed the failure of a future whose hook has yet to
	 * register it: the dependent, should it fail with that failure, is linked to the
	 * future's record once there is one.
	 */
	private void handedOnUnregistered(Object future, Object dependent) {
		if (this.futures.get(dependent) instanceof TaskRecord failed) {
			failed.awaitDescribingSource(() -> handingRecord(future, failed.failure));
		}
		else {
			// Weakly: the future's stack may hold the dependent, the key.
			this.unregisteredSources.putIfAbsent(dependent, new WeakReference<>(future));
		}
	}

	/**
	 * Return the record of a future that failed with a failure it handed on, once it is
	 * registered, or {@code null}.
	 */
	private TaskRecord handingRecord(Object future, Throwable failure) {
		return (failure != null && this.futures.get(future) instanceof TaskRecord record && record.failure != null
				&& TaskRecord.unwrap(record.failure) == TaskRecord.unwrap(failure)) ? record : null;
	}

	/**
	 * Return the record of a {@code CompletableFuture}'s failure that another failure
	 * replaces ({@code obtrudeException}, see {@link #replacing}), or {@code null}.
	 */
	private static TaskRecord replacedFailure(Object future, Object known, Throwable failure) {
		if (failure == null || !(known instanceof TaskRecord record) || !(future instanceof CompletableFuture)
				|| record.failure == null) {
			return null;
		}
		Throwable now = TaskRecord.unwrap(failure);
		return (now != TaskRecord.unwrap(record.failure) && !(now instanceof CancellationException)) ? record : null;
	}

	/**
	 * Register a failed future's record, in place of what stands for a future handed to a
	 * combinator or a reader before the hook that failed it ran, even since the hook
	 * looked: such a record is remembered, never watched, so that the stages its failure
	 * is handed on to are described by it and what is received through them is noted.
	 * @return whether it is registered: not if another hook registered one first
	 */
	private boolean register(Object future, TaskRecord record, Object known) {
		Object current = known;
		for (int attempt = 0; attempt < 8; attempt++) {
			if (current == null) {
				current = this.futures.putIfAbsent(future, record);
				if (current == null) {
					return true;
				}
			}
			else if (current == LIBRARYS_STAGE) {
				// Failed otherwise than by the library's hand-over: as if unknown.
				if (this.futures.replace(future, current, record)) {
					return true;
				}
				current = this.futures.get(future);
			}
			else if (current == OBSERVED || current == RECEIVED) {
				record.retrieved();
				if (current == RECEIVED) {
					record.failureReceived();
				}
				if (this.futures.replace(future, current, record)) {
					return true;
				}
				current = this.futures.get(future);
			}
			else {
				return false;
			}
		}
		return false;
	}

	/**
	 * Return the record of the future that failed first with a failure, not handed on, or
	 * {@code null}.
	 */
	private TaskRecord firstFailedWith(Throwable failure) {
		WeakReference<TaskRecord> first = this.firstFailures.get(TaskRecord.unwrap(failure));
		return (first != null) ? first.get() : null;
	}

	/**
	 * Note that a failed future is a constant of a class, failed while the class
	 * initialized: a sentinel the class may hold for good, never listed as suspected, and
	 * reported only if it is collected unretrieved.
	 * @param future the future, whose failure was noted
	 */
	public void constant(Object future) {
		if (future != null && this.futures.get(future) instanceof TaskRecord record) {
			record.mark(TaskRecord.CONSTANT);
		}
	}

	/**
	 * Return whether a future's failure carries trace ids.
	 * @param future the failed future
	 * @return whether it has trace ids
	 */
	boolean hasTraceIds(Object future) {
		return future != null && this.futures.get(future) instanceof TaskRecord record && record.traceIds != null;
	}

	/**
	 * Note that a future completed exceptionally. A cancellation, or a failure caused by
	 * one, is not a failure; a future's first failure is the one watched.
	 * @param future the future
	 * @param failure what it completed with
	 */
	public void failed(Object future, Throwable failure) {
		failed(future, failure, null);
	}

	/**
	 * Note that a future completed exceptionally on the current thread, a worker of an
	 * executor: the failure is reported under the executor's name (see
	 * {@link TaskTracker#nameExecutor}) or, for one no integration named, a name read
	 * from its threads' names ({@code commonPool}, {@code pool-3}).
	 * @param future the future
	 * @param failure what it completed with
	 * @param executor the executor the current thread works for, or {@code null} if it is
	 * not known to work for one
	 */
	public void failed(Object future, Throwable failure, Object executor) {
		failed(future, failure, executor, null);
	}

	/**
	 * Note that a future that ran a task completed exceptionally on the current thread, a
	 * worker of an executor (see {@link #failed(Object, Throwable, Object)}).
	 * @param future the future
	 * @param failure what it completed with
	 * @param executor the executor the current thread works for, or {@code null}
	 * @param task what the future ran, which names it in the report unless its creation
	 * was traced, or {@code null}
	 */
	public void failed(Object future, Throwable failure, Object executor, Object task) {
		failed(future, failure, executor, task, null, null, false, false);
	}

	/**
	 * Note that a future completed exceptionally on the current thread, and that its
	 * failure is delivered already: handed to a dependent stage or a waiter on it, or to
	 * the action of a {@code whenComplete} stage that fails with it. The failure is
	 * remembered, so that the future's dependents are described by its creation, but
	 * never watched, not even for a moment (a test's end may look at any time).
	 * @param future the future
	 * @param failure what it completed with
	 * @param executor the executor the current thread works for, or {@code null}
	 * @param dependents the dependent stages it is handed to, each of which, should it
	 * fail with the failure handed on, is described as the future is (see
	 * {@link #handedOn}), and is waited for by the future's scope from before the scope
	 * may stop waiting for the future
	 * @param awaiting the dependent stages it is handed to that also wait for a second
	 * input still pending, each with that input: described as the others, waited for only
	 * once that input is done
	 * @see #failed(Object, Throwable, Object)
	 */
	public void failedAndDelivered(Object future, Throwable failure, Object executor, List<?> dependents,
			Map<?, ?> awaiting) {
		failed(future, failure, executor, null, dependents, awaiting, false, false);
	}

	/**
	 * Note that a {@code CompletableFuture}'s failure is about to be replaced with
	 * another ({@code obtrudeException}, before it writes it): the new failure is watched
	 * as one of its own, also if the one it replaces was read, and the one it replaces
	 * counts as observed, as a failure {@code obtrudeValue} replaces does. Registered
	 * before the write, so that a reader that reads the new failure reads it into its
	 * record (one that still read the old one meanwhile is taken for a reader of the new
	 * one). Over a failure its hook has yet to register (it failed on another thread just
	 * now), the new one is registered at once, unread; over a value, left to the hook
	 * that sees the write.
	 * @param future the future
	 * @param failure the failure it will hold
	 * @param held the failure it holds, or {@code null} if it holds none (or a
	 * cancellation)
	 * @param executor the executor the current thread works for, or {@code null}
	 */
	public void replacing(Object future, Throwable failure, Throwable held, Object executor) {
		if (future == null || failure == null) {
			return;
		}
		Object known = this.futures.get(future);
		if (known instanceof TaskRecord) {
			if (replacedFailure(future, known, failure) != null) {
				failed(future, failure, executor, null, null, null, false, true);
			}
			return;
		}
		Throwable now = TaskRecord.unwrap(failure);
		Throwable before = (held != null) ? TaskRecord.unwrap(held) : null;
		if (before == null || before == now
				|| (known != null && known != OBSERVED && known != RECEIVED && known != LIBRARYS_STAGE)
				|| !(future instanceof CompletableFuture)) {
			return;
		}
		// It holds a failure whose hook has not registered it yet (it failed on another
		// thread just now): what was read of it was that failure, not this one, which is
		// registered unread (the late hook then finds it, and leaves it).
		Object removed = this.futures.remove(future);
		if (removed instanceof TaskRecord record) {
			record.retrieved();
		}
		failed(future, failure, executor, null, null, null, false, false);
		if (replacedFailure(future, this.futures.get(future), failure) != null) {
			// The late hook registered the failure it held first (from a reader's mark
			// this removed, or not): replaced, as it would have been had it been first.
			failed(future, failure, executor, null, null, null, false, true);
		}
	}

	/**
	 * Note that a future completed exceptionally with the failure of a future it depends
	 * on, handed on to it by the JDK ({@code thenApply} and the other stages, a relay).
	 * If its source is not known (its stage was fired by the thread that made it, before
	 * the hook of the thread that failed the source looked at the source's stack), it is
	 * linked to the record of the future that failed first with the same failure, once
	 * there is one, so that what is received through either is seen by both.
	 * @param future the future
	 * @param failure what it completed with
	 * @param executor the executor the current thread works for, or {@code null}
	 * @param dependents the dependent stages it is handed to, or {@code null} if none is
	 * (see {@link #failedAndDelivered})
	 * @param awaiting the dependent stages it is handed to that also wait for a second
	 * input still pending, or {@code null}
	 */
	public void failedHandedOn(Object future, Throwable failure, Object executor, List<?> dependents,
			Map<?, ?> awaiting) {
		failed(future, failure, executor, null, dependents, awaiting, true, false);
	}

	private void failed(Object future, Throwable failure, Object executor, Object task, List<?> dependents,
			Map<?, ?> awaiting, boolean handedOn, boolean replace) {
		if (future == null) {
			return;
		}
		Creation creation = null;
		try {
			Object known = this.futures.get(future);
			TaskRecord replaced = replace ? replacedFailure(future, known, failure) : null;
			if (failure == null || isTrackedElsewhere(future)
					|| TaskRecord.unwrap(failure) instanceof CancellationException || (known != null
							&& known != OBSERVED && known != RECEIVED && known != LIBRARYS_STAGE && replaced == null)) {
				// No failure to watch (a cancellation; a failure after the first), or
				// watched already.
				creation = this.creations.get(future);
				return;
			}
			// Looked inside once, for all that follows.
			Object inner = (task != null) ? this.tracker.innermost(task) : null;
			if (SelfDeliveringTasks.keepsItsFailure(inner)) {
				// A future run as a task, which kept the failure and threw it on.
				this.tracker.reporter().leftToTask(inner.getClass());
				creation = this.creations.remove(future);
				return;
			}
			if (wrappers(task, inner, true) && !givenUp(future, inner)) {
				// A wrapper's task that failed, run by a future the executor made
				// around it: the wrapper's to report. An uncaught failure the wrapper
				// reported ends here, in the JDK's future: its mark is spent, so that a
				// later task that throws the same instance is reported.
				this.tracker.reporter().reportedUncaught(failure);
				creation = this.creations.get(future);
				return;
			}
			creation = this.creations.remove(future);
			// A wrapper's task is not remembered at creation: the wrapper knows it.
			Creation described = (creation != null) ? creation : wrappersCreation(inner);
			TaskRecord source = (described != null) ? described.handedOnBy(failure) : null;
			WeakReference<Object> unregistered = this.unregisteredSources.remove(future);
			Object handing = (unregistered != null) ? unregistered.get() : null;
			if (source == null && handing != null) {
				// Its source's hook may have registered it since.
				source = handingRecord(handing, failure);
				handing = (source != null) ? null : handing;
			}
			if (source == null && creation != null && creation.stage && (handedOn || handing != null)) {
				// A stage made in a test, handed its source's failure before the source's
				// hook found it: described as if it had not been seen made, by its source
				// once that is found.
				described = null;
			}
			// A stage that fails with the failure its source handed on is its source's
			// task's, as a wrapper's stage is (its record the source's child); one whose
			// own handler threw is described by itself.
			TaskRecord record = (source != null) ? new TaskRecord(source)
					: record(this.executors.of(executor, Thread.currentThread()), described,
							(described != null && described.trace != null) ? described.type
									: (task != null) ? nameOf(inner) : untracedType(future),
							null, null);
			if (Creation.failsInCurrentScope(described)) {
				// Created where nothing was remembered (failedFuture, a future the
				// application completes itself), or made by hand outside any scope: the
				// failure is the scope's where it failed.
				record.scope = TaskScope.current();
			}
			record.failure = failure;
			record.mark(TaskRecord.FAILED);
			if (source != null) {
				record.handedBy(source);
				if (source.is(TaskRecord.DESCRIBED_BY_SOURCE)) {
					// Its source copied nothing yet: that stage's own source had not been
					// registered when it failed. Described as that stage is, once linked.
					record.mark(TaskRecord.DESCRIBED_BY_SOURCE);
				}
				else {
					// That stage may yet be linked to the one that handed it the failure
					// (fired by another thread before that one's hook ran): described as
					// it is then, and by what it copied meanwhile.
					TaskRecord copied = source;
					record.awaitDescribingSource(() -> copied.is(TaskRecord.DESCRIBED_BY_SOURCE) ? copied : null);
				}
			}
			else if (handing != null) {
				// Held until its record is found, at the latest by the next sweep: the
				// application may let go of it first.
				Object handingFuture = handing;
				record.awaitDescribingSource(() -> handingRecord(handingFuture, failure));
			}
			else if (handedOn) {
				record.awaitSource(() -> firstFailedWith(failure));
			}
			else {
				this.firstFailures.putIfAbsent(TaskRecord.unwrap(failure), new WeakReference<>(record));
			}
			if (dependents != null) {
				record.retrieved();
			}
			boolean registered = (replaced != null) ? this.futures.replace(future, replaced, record)
					: register(future, record, known);
			if (registered && replaced != null) {
				// Replaced by the application's choice: observed, as obtrudeValue's is.
				replaced.retrieved();
			}
			// Read once it is registered, where received() looks: a failure received
			// through a stage it was handed on to, which found no record, is received.
			if (source == null && handing == null && !handedOn
					&& this.earlyReceipts.remove(TaskRecord.unwrap(failure)) != null) {
				record.failureReceived();
			}
			if (registered) {
				this.tracker.states().watch(record, future, null, failure);
			}
		}
		finally {
			try {
				if (dependents != null) {
					for (Object dependent : dependents) {
						handedOn(future, dependent, null);
					}
				}
				if (awaiting != null) {
					awaiting.forEach((dependent, second) -> handedOn(future, dependent, second));
				}
			}
			finally {
				// Only now may a scope's wait end on this failure, whatever happened.
				settled(creation);
			}
		}
	}

	/**
	 * Note that the JDK's own code failed a future itself ({@code completeExceptionally}
	 * in the JDK's HTTP client, on a timeout): the failure is not watched, since what the
	 * JDK creates and drops inside itself is no leak of the application's. It is counted
	 * in the summary ({@link LeakSummary#jdkOwnFailures()}), and said once per class of
	 * that code at DEBUG. Once noted, the future's failure is not watched when a hook
	 * sees it again, and no longer watched if a hook saw it first.
	 * @param future the future
	 * @param failure what it completed with
	 * @param completer the JDK's class that completed it
	 */
	public void failedByTheJdk(Object future, Throwable failure, Class<?> completer) {
		if (future == null) {
			return;
		}
		Creation creation = null;
		try {
			creation = this.creations.remove(future);
			if (failure != null && completer != null && !isTrackedElsewhere(future)
					&& !(TaskRecord.unwrap(failure) instanceof CancellationException)) {
				// Not watched when a later hook sees it again; watched already if the
				// stage
				// method's check, on the thread that made the stage, saw it first: no
				// longer (a future completes once, so it is the same failure).
				Object known = this.futures.putIfAbsent(future, JDKS_OWN);
				if (known instanceof TaskRecord watched) {
					watched.retrieved();
				}
				else if (known == LIBRARYS_STAGE || known == OBSERVED || known == RECEIVED) {
					// Read or combined on another thread before this hook ran: the JDK's
					// all the same, so that the stages a library chains on it later are
					// told apart (see #isFailedByTheJdk).
					this.futures.replace(future, known, JDKS_OWN);
				}
				this.tracker.reporter().jdkOwnFailure(completer);
				Throwable made = TaskRecord.unwrap(failure);
				if (this.jdksFailures.putIfAbsent(made, completer) == null) {
					this.anyJdksFailure = true;
				}
			}
		}
		finally {
			settled(creation);
		}
	}

	/**
	 * Note that a pending stage is a library's own, named in the agent's
	 * {@code library-packages}: made on a future whose failure is the library's (see
	 * {@link #failedByTheJdk}), with a function of the library's code, it is about to
	 * carry that failure on, and that failure is then the library's in it too. A stage
	 * watched or read already is left as it is.
	 * @param stage the stage
	 */
	public void librarysStage(Object stage) {
		if (stage != null && !isTrackedElsewhere(stage)) {
			this.futures.putIfAbsent(stage, LIBRARYS_STAGE);
		}
	}

	/**
	 * Return whether a future is a library's stage noted by {@link #librarysStage} whose
	 * failure is not noted yet.
	 * @param future the future
	 * @return whether it is
	 */
	public boolean isLibrarysStage(Object future) {
		return future != null && this.futures.get(future) == LIBRARYS_STAGE;
	}

	/**
	 * Return whether a future's failure is noted as one the JDK's own code or a named
	 * library made, or carried on as theirs (see {@link #failedByTheJdk}).
	 * @param future the future
	 * @return whether it is
	 */
	public boolean isFailedByTheJdk(Object future) {
		return future != null && this.futures.get(future) == JDKS_OWN;
	}

	/**
	 * Return the class of the JDK's own code that made a failure, if it is one noted by
	 * {@link #failedByTheJdk} and not collected since.
	 * @param failure a failure, maybe wrapped in a {@code CompletionException}
	 * @return the class, or {@code null}
	 */
	public Class<?> jdksFailure(Throwable failure) {
		return (this.anyJdksFailure && failure != null) ? this.jdksFailures.get(TaskRecord.unwrap(failure)) : null;
	}

	private static void settled(Creation creation) {
		if (creation != null && creation.waited != null) {
			creation.waited.settled();
		}
	}

	/**
	 * Describe a task an overdue source sees queued or running on an executor: named
	 * after the executor like the failures of its threads, with the task's creation trace
	 * if it was traced.
	 * @param executor the executor
	 * @param task what names the task: the application's task inside the JDK's
	 * @param future the future whose creation may have been traced, or {@code null}
	 * @param state whether it is queued or running
	 * @param ageNanos how long it has been queued or running
	 * @param runner the thread running it, or {@code null} while it is queued
	 * @return the overdue task, or {@code null} for a wrapper's task (maybe inside an
	 * integration's, such as an {@code @Async} call's) still queued or running: the
	 * wrapper's record of it is listed instead, and tells more
	 */
	public OverdueTask overdueTask(Object executor, Object task, Object future, OverdueTask.State state, long ageNanos,
			Thread runner) {
		Object inner = (task != null) ? throughOwnTasks(task) : null;
		String type;
		Throwable trace;
		TraceIds traceIds;
		if (inner instanceof TrackedTask<?> tracked) {
			if (!tracked.is(TaskRecord.FINISHED)) {
				// The wrapper lists its record (a young task gets it at the sweep).
				return null;
			}
			// The wrapper's task ended, but what runs it has not (Spring's @Async task
			// waits for the future the method returned): described with what the
			// wrapper knows.
			type = wrappersType(tracked);
			trace = tracked.trace();
			traceIds = tracked.traceIds();
		}
		else {
			Creation creation = (future != null) ? this.creations.get(future) : null;
			type = (creation != null && creation.trace != null) ? creation.type
					: (task != null) ? this.source.taskType(inner) : typeOf(future);
			trace = (creation != null) ? creation.trace : null;
			traceIds = (creation != null) ? creation.traceIds : null;
		}
		return new OverdueTask(this.executors.of(executor, runner).name(), type, state, Duration.ofNanos(ageNanos),
				(runner != null) ? runner.getName() : null, CreationTrace.of(trace, this.tracker.settings()), traceIds);
	}

	/**
	 * Note that a thread starts working for an executor, so that the tasks the executor
	 * drops are named like those its threads fail.
	 * @param executor the executor
	 */
	public void workerStarted(Object executor) {
		if (executor != null) {
			this.tracker.naming().workerStarted(executor, Thread.currentThread());
		}
	}

	/**
	 * Note that an executor let go of a task it had not run, whose settling (its run
	 * ending, its cancellation) is reported through {@link #left}: a {@code FutureTask},
	 * the task behind {@code supplyAsync}. A rejection policy discarded it, or
	 * {@code shutdownNow} handed it back. It is reported as dropped if it is collected
	 * without having settled. The caller leaves out periodic tasks and tasks of the
	 * engine's wrappers ({@link #isTracked}).
	 * @param task the task
	 * @param userTask what the task runs, which names it in the report, or {@code null}
	 * @param future the future whose creation was traced, or {@code null}
	 * @param executor the executor
	 * @param settled whether a task has settled, read after the task is watched: a task
	 * that settled before is forgotten, one that settles after is reported through
	 * {@link #left}
	 */
	public void dropped(Object task, Object userTask, Object future, Object executor, Predicate<Object> settled) {
		if (task == null || this.tracker.states().isClosed() || wrappersLetGo(task) || wrappersLetGo(userTask)) {
			// Closed: nothing would drain the record's queue.
			return;
		}
		TaskRecord record = newRecord(task, userTask, (future != null) ? future : task, executor,
				this.tracker.states().queue());
		if (future != null && future != task) {
			// A task's own future, completed (cancelled) after the drop, makes it no
			// loss.
			record.view = future;
		}
		// Watched before it is listed, so that a settling seen through the list always
		// finds the watch to end.
		this.tracker.states().watchDropped(record);
		if (this.drops.putIfAbsent(task, record) != null) {
			this.tracker.states().forgetDropped(record);
			return;
		}
		if (settled.test(task)) {
			left(task);
		}
	}

	/**
	 * Return whether an object is a task or a future of the engine's executor wrappers,
	 * whose failures and drops they report themselves.
	 * @param object the object, or {@code null}
	 * @return whether the wrappers track it
	 */
	public static boolean isTracked(Object object) {
		return isTrackedElsewhere(object);
	}

	/**
	 * Note that a rejection policy discarded a plain task, which nothing else will run:
	 * it is reported as dropped at once.
	 * @param task the task
	 * @param executor the executor
	 */
	public void discarded(Object task, Object executor) {
		discarded(task, task, executor);
	}

	/**
	 * Note that a plain task nothing else will run was let go of: it is reported as
	 * dropped at once.
	 * @param task the task the executor held, whose creation may have been traced
	 * @param userTask what it runs, which names it: the task itself, or what a decorator
	 * wrapped
	 * @param executor the executor
	 */
	public void discarded(Object task, Object userTask, Object executor) {
		if (task != null && userTask != null && !wrappersLetGo(task) && !wrappersLetGo(userTask)) {
			Creation creation = this.creations.get(task);
			// Named after what it runs, not after a decorator.
			String type = (creation != null && creation.trace != null && userTask == task) ? creation.type
					: typeOf(userTask);
			TaskRecord record = record(this.executors.of(executor, null), creation, type, task, null);
			this.tracker.reporter().confirmed(LeakKind.DROPPED_WHILE_PENDING, record, null);
		}
	}

	/**
	 * Note that a plain task an executor ran threw on the current thread, a worker of the
	 * executor, so that its failure goes to the thread's uncaught-exception handler: it
	 * is reported at once, as for a task run with {@code execute()} on a tracked
	 * executor.
	 * @param task the task
	 * @param failure what it threw
	 * @param executor the executor
	 */
	public void uncaught(Object task, Throwable failure, Object executor) {
		if (task == null || failure == null || task instanceof Future<?>
				|| this.tracker.reporter().reportedUncaught(failure) || wrappers(task)) {
			// A future's task never throws to its worker; a wrapper's task (maybe wrapped
			// again by another library) was reported by the wrapper.
			return;
		}
		// Where it was executed, if that was kept: a plain task may run again, and fail
		// again without it.
		Creation creation;
		if (this.plainTraceIds) {
			// Executed before: a later execution is not given trace ids either.
			while ((creation = this.creations.get(task)) != null
					&& !this.creations.replace(task, creation, creation.executedBefore())) {
				// Replaced meanwhile: read again.
			}
		}
		else {
			creation = this.creations.remove(task);
		}
		TaskRecord record = record(this.executors.of(executor, Thread.currentThread()), creation,
				(creation != null && creation.trace != null) ? creation.type : typeOf(task), null, null);
		this.tracker.reporter().uncaught(record, failure, UncaughtReport.Handler.THREAD);
		// The mark is for the wrappers' reports: the next task that throws this instance
		// is reported again.
		this.tracker.reporter().reportedUncaught(failure);
	}

	private TaskRecord newRecord(Object task, Object userTask, Object future, Object executor,
			ReferenceQueue<Object> queue) {
		Creation creation = this.creations.get(future);
		String type = (creation != null && creation.trace != null) ? creation.type
				: typeOf((userTask != null) ? userTask : task);
		return record(this.executors.of(executor, null), creation, type, task, queue);
	}

	/**
	 * Create a record of a task, with where it was created if that was kept.
	 */
	private static TaskRecord record(ExecutorTracking executor, Creation creation, String type, Object task,
			ReferenceQueue<Object> queue) {
		TaskRecord record = (creation != null)
				? new TaskRecord(executor, type, creation.trace, creation.thread, task, queue)
				: new TaskRecord(executor, type, null, UNKNOWN_THREAD, task, queue);
		record.scope = (creation != null) ? creation.scope : null;
		record.traceIds = (creation != null) ? creation.traceIds : null;
		return record;
	}

	/**
	 * Note that a task an executor may have let go of settled: its run ended or it was
	 * cancelled. Nothing is looked up while no task is watched.
	 * @param task the task
	 */
	public void left(Object task) {
		if (task == null || this.tracker.states().nothingLetGo()) {
			return;
		}
		TaskRecord record = this.drops.remove(task);
		if (record != null) {
			record.mark(TaskRecord.STARTED);
			this.tracker.states().forgetDropped(record);
		}
	}

	/**
	 * Name a wrapper's task that a source sees inside the JDK's (the callable of its
	 * {@code FutureTask}, the supplier of {@code callAsync}'s task, maybe inside an
	 * integration's own task) as the wrapper names it.
	 */
	private String wrappersType(TrackedTask<?> tracked) {
		// Its task is read first: once the task has finished it has let go of it, and a
		// record attached by then names it.
		Object own = tracked.task();
		TaskRecord record = tracked.record();
		return (record != null) ? record.taskType
				: (own != null) ? tracked.executor.taskType(own) : this.source.taskType(tracked);
	}

	/**
	 * Name a task after what it runs, looking inside the tasks an integration knows (see
	 * {@link TaskTracker#lookInsideTasks}).
	 */
	private String typeOf(Object task) {
		return nameOf(this.tracker.innermost(task));
	}

	/**
	 * Name a failed future of no remembered creation after the task that fails it, if the
	 * source tells it, else after its class.
	 */
	private String untracedType(Object future) {
		Object failing = this.failingTask.apply(future);
		return (failing != null) ? typeOf(failing) : future.getClass().getName();
	}

	/**
	 * Name a task after its innermost task.
	 */
	private String nameOf(Object inner) {
		return (inner instanceof TrackedTask<?> tracked) ? wrappersType(tracked) : this.source.taskType(inner);
	}

	/**
	 * Whether a task is a wrapper's, maybe inside an integration's own task (Spring's
	 * error-handling task around a wrapper's, handed to the JDK by a wrapped scheduler):
	 * the wrapper reports what becomes of it. Looked inside only on the way to a report
	 * ({@link TaskTracker#innermost} never throws: a task it cannot look into is the
	 * source's, reported twice rather than never).
	 */
	private boolean wrappers(Object task) {
		return task != null && wrappers(task, this.tracker.innermost(task), false);
	}

	/**
	 * Whether a task an executor let go of is a wrapper's, also inside the source's own
	 * tasks ({@link #lookInsideTasks}): a wrapper's task in the JDK's task behind
	 * {@code submitCompletable}, in Spring's error-handling task, handed back by a
	 * wrapped scheduler's pool, is the wrapper's to report as dropped.
	 */
	private boolean wrappersLetGo(Object task) {
		return task != null && wrappers(task, throughOwnTasks(task), false);
	}

	/**
	 * Return a task's innermost task as the integrations see it
	 * ({@link TaskTracker#innermost}) or, if a wrapper's task is inside one of the
	 * source's own tasks there ({@link #lookInsideTasks}), maybe inside an integration's
	 * again, the wrapper's task. Never throws: a task that cannot be looked into is its
	 * own innermost.
	 */
	private Object throughOwnTasks(Object task) {
		Object inner = this.tracker.innermost(task);
		UnaryOperator<Object> own = this.inside;
		if (own == null || isTrackedElsewhere(inner)) {
			return inner;
		}
		try {
			Object current = inner;
			for (int depth = 0; depth < MAX_TASK_NESTING; depth++) {
				Object next = own.apply(current);
				if (next == null || next == current) {
					break;
				}
				current = this.tracker.innermost(next);
				if (isTrackedElsewhere(current)) {
					return current;
				}
			}
		}
		catch (RuntimeException | LinkageError ex) {
			// What the integrations see, then.
		}
		// Not a wrapper's: named as the integrations see it.
		return inner;
	}

	/**
	 * @param inner the task's innermost task ({@link TaskTracker#innermost})
	 * @param failed whether the task failed: the failure of a wrapper's task it gave up
	 * on (no view could stand for its executor's future) is the source's to report; its
	 * drop is still the wrapper's
	 */
	private static boolean wrappers(Object task, Object inner, boolean failed) {
		return task != null && (isWrappers(task, failed) || (inner != task && isWrappers(inner, failed)));
	}

	private static boolean isWrappers(Object task, boolean failed) {
		if (!failed || !(task instanceof TrackedTask<?> tracked)) {
			return isTrackedElsewhere(task);
		}
		// A failure the wrapper saw (its task threw, or an execute() task's failure it
		// reported as uncaught), unless it gave up on the task. What fails around a task
		// that did not fail (Spring's @Async task, when the Future the method returned
		// fails later) is the source's.
		return tracked.is(TaskRecord.LEFT_TO_TASK) || (tracked.is(TaskRecord.FAILED) || tracked.is(TrackedTask.EXECUTE))
				&& !tracked.is(TaskRecord.UNTRACKED);
	}

	/**
	 * Whether a wrapper gives up on the future a submitted task failed in, as it does,
	 * maybe only after the task failed, when no view can stand for the future its
	 * executor returned (the same object: {@link ExecutorTracking}'s {@code viewOf}). A
	 * task given to {@code execute} has no such future.
	 */
	private static boolean givenUp(Object future, Object inner) {
		return future instanceof Future<?> && !(future instanceof CompletableFuture<?>)
				&& !FutureViews.canStandFor(future.getClass()) && !(inner instanceof TrackedTask<?> tracked
						&& (tracked.is(TrackedTask.EXECUTE) || tracked.is(TaskRecord.LEFT_TO_TASK)));
	}

	/**
	 * Where a wrapper's task whose failure is the source's was created, as the wrapper
	 * knows it, or {@code null} if the task is not a wrapper's.
	 */
	private Creation wrappersCreation(Object inner) {
		if (!(inner instanceof TrackedTask<?> tracked)) {
			return null;
		}
		Throwable trace = tracked.trace();
		// A task of a test's scope has its record from the start: the failure is the
		// scope's too.
		TaskRecord record = tracked.record();
		return new Creation(wrappersType(tracked), trace, (trace != null) ? tracked.threadName : UNKNOWN_THREAD,
				(record != null) ? record.scope : null, null, tracked.traceIds());
	}

	/**
	 * Whether a future is one the engine's executor wrappers hand out, which watch their
	 * failures themselves and report them under the executor's name.
	 */
	private static boolean isTrackedElsewhere(Object future) {
		// A TrackedTask is also the supplier of the JDK's task of callAsync
		// (CallingTask).
		return future != null && (future instanceof TrackedCompletableFuture<?>
				|| future instanceof TrackedFutureTask<?> || future instanceof TrackedTask<?>);
	}

	/**
	 * Note that a future's failure was retrieved, or handed to a dependent or a waiter.
	 * @param future the future
	 */
	public void retrieved(Object future) {
		if (future != null && this.futures.get(future) instanceof TaskRecord record) {
			record.retrieved();
		}
	}

	/**
	 * Note that a reader or a handler received a future's failure: a method that threw it
	 * to its caller, or a stage whose function is handed it ({@code handle},
	 * {@code exceptionally}, a {@code whenComplete} action). Nobody lost it, through this
	 * future or through any stage that carries it on (see
	 * {@link TaskRecord#failureReceived}). A failure received before the hook of the
	 * thread that failed the future said so is remembered as received.
	 * @param future the future
	 */
	public void received(Object future) {
		if (future == null || isTrackedElsewhere(future)) {
			return;
		}
		Object known = this.futures.putIfAbsent(future, RECEIVED);
		for (int attempt = 0; attempt < 8 && known != null; attempt++) {
			if (known instanceof TaskRecord record) {
				record.retrieved();
				record.failureReceived();
				Throwable failure = record.failure;
				if (failure != null && record.linkAwaitedSource()) {
					// Its source's record is not registered yet: it takes the receipt
					// when it is.
					this.earlyReceipts.putIfAbsent(TaskRecord.unwrap(failure), Boolean.TRUE);
				}
				return;
			}
			if (known != OBSERVED || this.futures.replace(future, OBSERVED, RECEIVED)) {
				return;
			}
			// Registered since.
			known = this.futures.get(future);
		}
	}

	/**
	 * Note that whatever a future delivers is delivered to a combinator, even if it fails
	 * later.
	 * @param future the future
	 */
	public void observed(Object future) {
		if (future != null && this.futures.putIfAbsent(future, OBSERVED) instanceof TaskRecord record) {
			record.retrieved();
		}
	}

	/**
	 * Note that a future was taken by {@code allOf}, {@code anyOf} or an {@code either}
	 * stage, which read its result from its field: any future but a wrapper's is
	 * {@link #observed}. A wrapper's that had failed already counts it as retrieved (no
	 * method of it was called: the wrapper alone cannot see it); one still pending is
	 * left to the wrapper, which sees the combinator's completion on it, and reports it
	 * if it fails after another input won, as without the agent.
	 * @param future the future
	 */
	public void combined(Object future) {
		if (future instanceof TrackedCompletableFuture<?> tracked) {
			if (tracked.isCompletedExceptionally()) {
				tracked.combined();
			}
		}
		else {
			observed(future);
		}
	}

	/**
	 * Return how many futures this source remembers: failed (by the application or by the
	 * JDK's own code), observed, or traced.
	 * @return the number of futures
	 */
	public int rememberedCount() {
		return this.futures.size() + this.creations.size() + this.unregisteredSources.size() + this.firstFailures.size()
				+ this.earlyReceipts.size();
	}

	/**
	 * Where a future or task was created.
	 *
	 * @param waited what the scope waits on while the future's failure is on its way, or
	 * {@code null} outside a scope
	 * @param trace where it was created, or {@code null} if that was not traced
	 * @param traceIds the trace and span it was created in, or {@code null}
	 * @param source the record of the failed source that handed its failure on to this
	 * dependent stage, or {@code null}
	 * @param madeByHand whether the application made the future itself, with no task
	 * @param stage whether it is a dependent stage the application made in a scope (see
	 * {@link FutureEvents#stageMade}), which a failure handed on describes otherwise
	 */
	private record Creation(String type, Throwable trace, String thread, TaskScope scope, ScopedFuture waited,
			TraceIds traceIds, TaskRecord source, boolean madeByHand, boolean stage) {

		Creation(String type, Throwable trace, String thread, TaskScope scope, ScopedFuture waited, TraceIds traceIds) {
			this(type, trace, thread, scope, waited, traceIds, null, false, false);
		}

		Creation(String type, Throwable trace, String thread, TaskScope scope, ScopedFuture waited, TraceIds traceIds,
				TaskRecord source) {
			this(type, trace, thread, scope, waited, traceIds, source, false, false);
		}

		Creation(String type, Throwable trace, String thread, TaskScope scope, ScopedFuture waited, TraceIds traceIds,
				TaskRecord source, boolean madeByHand) {
			this(type, trace, thread, scope, waited, traceIds, source, madeByHand, false);
		}

		/**
		 * Whether a failure is the scope current where it happens: none is known where
		 * the future was created, and a future the application made itself outside any
		 * scope (the agent's {@code always} mode remembers it) fails in a test as one
		 * whose creation nobody saw.
		 */
		static boolean failsInCurrentScope(Creation creation) {
			return creation == null || (creation.madeByHand && creation.scope == null);
		}

		/**
		 * Return the source's record if the dependent failed with the failure its source
		 * handed on, not with what its own handler threw.
		 */
		TaskRecord handedOnBy(Throwable failure) {
			TaskRecord handed = this.source;
			return (handed != null && failure != null && handed.failure != null
					&& TaskRecord.unwrap(failure) == TaskRecord.unwrap(handed.failure)) ? handed : null;
		}

		/**
		 * Without trace ids: where it was traced stays, and without a trace nothing does
		 * (the thread that created it is not known either).
		 */
		Creation withoutTraceIds() {
			return (this.trace != null) ? new Creation(this.type, this.trace, this.thread, this.scope, this.waited,
					null, this.source, this.madeByHand, this.stage) : executedBefore();
		}

		/**
		 * Nothing but that a plain task was executed before.
		 */
		Creation executedBefore() {
			return new Creation(this.type, null, UNKNOWN_THREAD, null, null, null);
		}

	}

}
