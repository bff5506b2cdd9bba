package io.github.leakedtasks.tracking;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.BiConsumer;
import java.util.function.BiFunction;
import java.util.function.Function;
import java.util.function.Supplier;

/**
 * The {@link CompletableFuture} handed to the caller. It mirrors the executor's own
 * future result for result, or is completed by its task as the executor's would be
 * ({@link #callAsync}), so every exception class and cause is unchanged, and notes
 * retrieval: reading methods, cancellation, and the creation of dependent stages, which
 * carry the failure on and are tracked in turn.
 *
 * @param <T> the result type
 * @since 0.1.0
 */
final class TrackedCompletableFuture<T> extends CompletableFuture<T> {

	private static final MethodHandle RESULT_NOW = FutureMethods.findSuper(MethodHandles.lookup(), "resultNow",
			Object.class);

	private static final MethodHandle EXCEPTION_NOW = FutureMethods.findSuper(MethodHandles.lookup(), "exceptionNow",
			Throwable.class);

	/**
	 * Set while {@code orTimeout} or {@code completeOnTimeout} registers the JDK's own
	 * dependent, which neither retrieves the failure nor delivers one to anybody.
	 */
	private static final ThreadLocal<Object> INTERNAL = new ThreadLocal<>();

	/** Set in {@link #INTERNAL} while a handler's stage is made. */
	private static final Object HANDLER = new Object();

	@SuppressWarnings("rawtypes")
	private static final AtomicIntegerFieldUpdater<TrackedCompletableFuture> OBSERVED = AtomicIntegerFieldUpdater
		.newUpdater(TrackedCompletableFuture.class, "observed");

	@SuppressWarnings("rawtypes")
	private static final AtomicIntegerFieldUpdater<TrackedCompletableFuture> INTERNAL_DEPENDENTS = AtomicIntegerFieldUpdater
		.newUpdater(TrackedCompletableFuture.class, "internalDependents");

	/**
	 * The task of a root future, whose record is created only when needed: a task that
	 * succeeds and is read needs none.
	 */
	private final TrackedTask<?> task;

	/**
	 * The task type of a root future, to create its record with: its name, or the task's
	 * class, whose type name is looked up only if the record is created.
	 */
	private final Object taskType;

	private volatile TaskRecord record;

	/**
	 * For a dependent, the record of the stage it was made on (not the stage, which would
	 * hold its task), until this one completed: whether it failed with that stage's
	 * failure, or a handler took that failure, is noted then.
	 */
	private volatile TaskRecord madeOn;

	/**
	 * Whether this dependent is a handler's ({@code handle}, {@code exceptionally},
	 * {@code exceptionallyCompose}), whose function receives the failure of the stage it
	 * was made on.
	 */
	private final boolean handler;

	private final boolean dependent;

	private volatile CompletableFuture<T> source;

	private boolean registeringObserver;

	/** 1 once a thread took on handling this dependent's completion: one thread does. */
	private volatile int observed;

	/** A dependent's completion was handled: its failure, if any, is watched. */
	private volatile boolean settled;

	/**
	 * Dependents the JDK registered for timeouts, not the application (an upper bound:
	 * one registered on a completed future is counted, which only makes a combinator's
	 * retrieval less likely to be assumed).
	 */
	private volatile int internalDependents;

	TrackedCompletableFuture(TaskRecord record) {
		this.handler = false;
		this.task = null;
		this.taskType = null;
		this.record = record;
		this.dependent = false;
	}

	TrackedCompletableFuture(TrackedTask<?> task, Object taskType) {
		this.handler = false;
		this.task = task;
		this.taskType = taskType;
		this.dependent = false;
	}

	/**
	 * Create a dependent stage, which inherits where its chain was created.
	 */
	private TrackedCompletableFuture(TrackedCompletableFuture<?> parent, boolean handler) {
		this.task = null;
		this.taskType = null;
		// A stage added to a failed future fails at once, its result written by the JDK
		// without running its observer: the failed stage is left out of its chain here.
		TaskRecord parentRecord = parent.record();
		this.record = new TaskRecord(parentRecord, parent.isCompletedExceptionally() && !parent.isCancelled());
		this.dependent = true;
		this.madeOn = parentRecord;
		this.handler = handler;
		this.registeringObserver = true;
		// A dependent is completed by CompletableFuture's internals, which call no
		// overridable method: observe it.
		super.whenComplete(this::dependentCompleted);
		this.registeringObserver = false;
		TaskScope scope = this.record.scope;
		if (scope != null) {
			scope.waitForStage(this, parent);
		}
	}

	/**
	 * Complete this future exactly as the executor's future completes.
	 * @param source the executor's future
	 * @return whether it does: not if the executor's future, of a class of its own,
	 * refused the observer ({@code whenComplete} threw), when the caller is handed it
	 * instead
	 */
	boolean mirror(CompletableFuture<T> source) {
		this.source = source;
		try {
			source.whenComplete(this::sourceCompleted);
			return true;
		}
		catch (RuntimeException | Error ex) {
			this.source = null;
			return false;
		}
	}

	/**
	 * Have the executor call the task and complete this future with what it delivers, as
	 * Spring's {@code FutureUtils.callAsync} does: the executor's {@code execute} is
	 * handed the JDK's own task for
	 * {@link CompletableFuture#completeAsync(Supplier, Executor)}, here of a future of
	 * its own, which nobody sees. When it runs, the task is called unless this future is
	 * complete by then (cancelled, timed out or completed by the application), which is
	 * when the JDK's task would not call it had it been handed this future; a task not
	 * called finishes without running, and is no drop. The task completes this future
	 * itself: with what it returned or, wrapped in a {@link CompletionException} unless
	 * it is one, with what it threw. No dependent mirrors a future of the executor's.
	 * @param task the tracked task, which the JDK's task calls as a {@code Supplier}
	 * @param executor the executor
	 * @throws RuntimeException whatever the executor's {@code execute} throws
	 */
	void callAsync(CallingTask<T> task, Executor executor) {
		task.completes(this);
		new CompletableFuture<T>().completeAsync(task, executor);
	}

	/**
	 * Return this future's record, creating it for a root future that has none yet.
	 */
	TaskRecord record() {
		TaskRecord record = this.record;
		if (record == null) {
			Object type = this.taskType;
			record = this.task.executor.tracker()
				.states()
				.recordFor(this.task,
						(type instanceof Class<?> taskClass) ? ExecutorTracking.typeName(taskClass) : (String) type);
			this.record = record;
		}
		return record;
	}

	/**
	 * The agent saw this future taken by {@code allOf}, {@code anyOf} or an
	 * {@code either} stage, which read its result from its field.
	 */
	void combined() {
		retrieved();
	}

	private void retrieved() {
		TaskRecord record = this.record;
		if (record != null) {
			record.retrieved();
		}
		else {
			// Noted on the task: a record created later takes its flags.
			this.task.retrieved();
		}
	}

	/**
	 * A reading method handed the failure to its caller: retrieved, and received for
	 * every stage that carries the same failure (see {@link TaskRecord#failureReceived}).
	 */
	private void received() {
		retrieved();
		TaskRecord record = this.record;
		if (record != null) {
			record.failureReceived();
		}
	}

	void sourceCompleted(T result, Throwable failure) {
		if (failure != null) {
			if (super.getNumberOfDependents() > this.internalDependents) {
				// A combinator such as allOf or anyOf received this future while pending:
				// it carries the failure on.
				retrieved();
			}
			if (!completeExceptionally(failure) && !isCompletedExceptionally()) {
				// Completed with a value first (complete, completeOnTimeout): the failure
				// is
				// delivered to nobody, and nothing is waited for.
				retrieved();
			}
		}
		else {
			super.complete(result);
		}
	}

	private void dependentCompleted(T result, Throwable failure) {
		if (!OBSERVED.compareAndSet(this, 0, 1)) {
			// Another thread handles it: the one that settles it once watched.
			return;
		}
		TaskRecord stage = this.madeOn;
		this.madeOn = null;
		try {
			if (failure != null) {
				this.record.sourceCompleted();
				tookOver(stage, failure);
				delivered(failure);
			}
			else {
				tookOver(stage, null);
				this.record.completedNormally();
			}
		}
		finally {
			this.settled = true;
		}
	}

	/**
	 * Note what became of the failure of the stage this dependent was made on, if that
	 * stage failed: a handler's function received it, or this stage carries it on,
	 * failing with it (linked once that stage's failure is known: its observer may run
	 * after this one's). A handler's stage that completed with a stage that did not fail
	 * marks a receipt nobody will look at.
	 * @param stage the record of the stage this one was made on, or {@code null}
	 * @param failure what this one failed with, or {@code null}
	 */
	private void tookOver(TaskRecord stage, Throwable failure) {
		if (stage == null) {
			return;
		}
		if (this.handler) {
			// Unless an async handler's executor refused it: it never ran.
			if (failure == null || !(TaskRecord.unwrap(failure) instanceof RejectedExecutionException)) {
				stage.failureReceived();
			}
		}
		else if (failure != null) {
			TaskRecord record = this.record;
			record.awaitSource(() -> stage.failedWith(failure) ? stage : null);
			if (record.failureSeenBySource(failure)) {
				// A whenComplete action saw it.
				record.failureReceived();
			}
		}
	}

	/**
	 * Return whether this dependent's completion was handled, looking at one completed
	 * without firing (see {@link #checkCompleted()}).
	 */
	boolean isSettled() {
		return checkCompleted() && this.settled;
	}

	/**
	 * Return whether this dependent's completion was handled, without looking.
	 */
	boolean wasSettled() {
		return this.settled;
	}

	/**
	 * Return whether the task at the root of this stage's chain threw: its future is
	 * about to fail, and this stage with it.
	 */
	boolean rootTaskFailed() {
		TaskRecord root = this.record;
		for (TaskRecord next = root.parent; next != null; next = root.parent) {
			root = next;
		}
		return root.is(TaskRecord.FAILED);
	}

	@Override
	public boolean complete(T value) {
		boolean completed = super.complete(value);
		if (completed) {
			passOver(value, null);
		}
		return completed;
	}

	@Override
	public boolean completeExceptionally(Throwable failure) {
		boolean completed = super.completeExceptionally(failure);
		if (completed) {
			delivered(failure);
			passOver(null, failure);
		}
		return completed;
	}

	/**
	 * Complete the executor's future this one mirrors, if it is still pending, as this
	 * one was: untracked, the application completes the executor's future itself, and one
	 * completed before its task started makes the JDK's task skip it. The task, which may
	 * then never start, is no drop; if it started meanwhile it runs on, as it would.
	 */
	private void passOver(T value, Throwable failure) {
		CompletableFuture<T> source = this.source;
		if (source == null || source.isDone()) {
			return;
		}
		try {
			record().mark(TaskRecord.PASSED_OVER);
			if (failure != null) {
				source.completeExceptionally(failure);
			}
			else {
				// A failure of the task, should it run on, is delivered to nobody, and
				// nothing waits for it.
				retrieved();
				source.complete(value);
			}
		}
		catch (Throwable ex) {
			// Bookkeeping never fails the application's call: the task runs, as the
			// wrapper ran it before.
		}
	}

	@Override
	public void obtrudeValue(T value) {
		super.obtrudeValue(value);
		// The application replaced the failure, having seen it or not: nothing is lost.
		retrieved();
	}

	@Override
	public void obtrudeException(Throwable failure) {
		TaskRecord replaced = (failure != null) ? replaceFailure(failure) : null;
		super.obtrudeException(failure);
		if (replaced != null) {
			replaced.retrieved();
		}
		delivered(failure);
	}

	/**
	 * A failure put over another one is a failure of its own, also when the one it
	 * replaces was read: watched with a record of its own (described as this future's),
	 * put in place before the failure is written, so that a reader on another thread
	 * reads the new failure into it (one that still reads the old one meanwhile is taken
	 * for a reader of the new one); the one it replaces counts as observed, as
	 * {@code obtrudeValue}'s does.
	 * @return the record replaced, or {@code null}
	 */
	private TaskRecord replaceFailure(Throwable failure) {
		try {
			TaskRecord current = this.record;
			if (current == null || current.failure == null || isCancelled()
					|| TaskRecord.unwrap(current.failure) == TaskRecord.unwrap(failure)
					|| TaskRecord.unwrap(failure) instanceof CancellationException) {
				return null;
			}
			TaskRecord fresh = new TaskRecord(current, true);
			// Not a stage of what came before: what is read through it is its own.
			fresh.parent = null;
			if (current.is(TaskRecord.FAILED)) {
				fresh.mark(TaskRecord.FAILED);
			}
			this.record = fresh;
			return current;
		}
		catch (Throwable ex) {
			// The future completes as it would untracked, whatever the tracker does.
			return null;
		}
	}

	/**
	 * Watch a failure this future now delivers to whoever reads it, whatever completed
	 * it: its task, a timeout, or the application. A cancellation is not a failure.
	 */
	private void delivered(Throwable failure) {
		try {
			if (isCancelled()) {
				TaskRecord record = record();
				record.cancellation = failure;
				record.mark(TaskRecord.CANCELLED);
				return;
			}
			TaskRecord record = record();
			if (record.failure == null) {
				// What the stages it hands it on to compare theirs with.
				record.failure = failure;
			}
			record.executor.tracker().states().watch(record, this, null, failure);
		}
		catch (Throwable ex) {
			// The future completes as it would untracked, whatever the tracker does.
		}
	}

	/**
	 * Return the failure this future delivers, without retrieving it.
	 * @return the failure, or {@code null} if it is pending or completed normally
	 */
	Throwable failureNow() {
		if (!isDone()) {
			return null;
		}
		try {
			super.getNow(null);
			return null;
		}
		catch (CompletionException ex) {
			return ex;
		}
		catch (CancellationException ex) {
			// Since JDK 19 the reading methods throw a new CancellationException caused
			// by
			// the one the future holds: return the one it holds, which its dependents
			// carry on.
			return (ex.getCause() instanceof CancellationException held) ? held : ex;
		}
	}

	@Override
	public <U> CompletableFuture<U> newIncompleteFuture() {
		Object internal = INTERNAL.get();
		if (this.registeringObserver || (internal != null && internal != HANDLER)) {
			return new CompletableFuture<>();
		}
		retrieved();
		TrackedCompletableFuture<U> dependent = new TrackedCompletableFuture<>(this, internal == HANDLER);
		if (isDone()) {
			// A dependent of a completed stage gets its result written directly, with no
			// completion firing: the observer never runs, so the detector looks at it.
			dependent.record.executor.tracker().states().checkCompletedDependent(dependent);
		}
		return dependent;
	}

	/**
	 * Report the failure of a dependent that was completed without running its observer.
	 * @return whether the dependent is complete
	 */
	boolean checkCompleted() {
		if (this.observed != 0) {
			return true;
		}
		if (!isDone()) {
			return false;
		}
		Throwable failure = failureNow();
		dependentCompleted(null, failure);
		return true;
	}

	@Override
	public CompletableFuture<T> orTimeout(long timeout, TimeUnit unit) {
		return internally(() -> super.orTimeout(timeout, unit));
	}

	@Override
	public CompletableFuture<T> completeOnTimeout(T value, long timeout, TimeUnit unit) {
		return internally(() -> super.completeOnTimeout(value, timeout, unit));
	}

	private CompletableFuture<T> internally(Supplier<CompletableFuture<T>> registration) {
		// Counted before the JDK registers its dependent, so that a failure in between
		// does not take it for a combinator's.
		INTERNAL_DEPENDENTS.incrementAndGet(this);
		INTERNAL.set(Boolean.TRUE);
		try {
			return registration.get();
		}
		finally {
			INTERNAL.remove();
		}
	}

	// The reading methods note retrieval only when they hand the failure to the caller: a
	// timed-out get or a getNow on a pending future does not.

	@Override
	public T get() throws InterruptedException, ExecutionException {
		try {
			return super.get();
		}
		catch (ExecutionException | CancellationException ex) {
			received();
			throw ex;
		}
	}

	@Override
	public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
		try {
			return super.get(timeout, unit);
		}
		catch (ExecutionException | CancellationException ex) {
			received();
			throw ex;
		}
	}

	@Override
	public T join() {
		try {
			return super.join();
		}
		catch (CompletionException | CancellationException ex) {
			received();
			throw ex;
		}
	}

	@Override
	public T getNow(T valueIfAbsent) {
		try {
			return super.getNow(valueIfAbsent);
		}
		catch (CompletionException | CancellationException ex) {
			received();
			throw ex;
		}
	}

	// resultNow() and exceptionNow() override CompletableFuture's methods on Java 19 and
	// later.

	@SuppressWarnings("unchecked")
	public T resultNow() {
		try {
			return (T) FutureMethods.invoke(RESULT_NOW, this);
		}
		catch (IllegalStateException ex) {
			if (isCompletedExceptionally()) {
				received();
			}
			throw ex;
		}
	}

	public Throwable exceptionNow() {
		Throwable failure = (Throwable) FutureMethods.invoke(EXCEPTION_NOW, this);
		received();
		return failure;
	}

	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		boolean cancelled = super.cancel(mayInterruptIfRunning);
		if (cancelled) {
			TaskRecord record = record();
			record.cancellation = failureNow();
			record.mark(TaskRecord.CANCELLED);
		}
		CompletableFuture<T> source = this.source;
		if (source != null) {
			source.cancel(mayInterruptIfRunning);
		}
		return cancelled;
	}

	@Override
	public CompletableFuture<T> toCompletableFuture() {
		// thenCompose, thenCombine and the other two-stage methods call this on the stage
		// they are given.
		retrieved();
		return this;
	}

	@Override
	public CompletionStage<T> minimalCompletionStage() {
		retrieved();
		return super.minimalCompletionStage();
	}

	@Override
	public <U> CompletableFuture<U> handle(BiFunction<? super T, Throwable, ? extends U> fn) {
		Object previous = handlerBegins();
		try {
			return super.handle(fn);
		}
		finally {
			handlerEnds(previous);
		}
	}

	@Override
	public <U> CompletableFuture<U> handleAsync(BiFunction<? super T, Throwable, ? extends U> fn) {
		Object previous = handlerBegins();
		try {
			return super.handleAsync(fn);
		}
		finally {
			handlerEnds(previous);
		}
	}

	@Override
	public <U> CompletableFuture<U> handleAsync(BiFunction<? super T, Throwable, ? extends U> fn, Executor executor) {
		Object previous = handlerBegins();
		try {
			return super.handleAsync(fn, executor);
		}
		finally {
			handlerEnds(previous);
		}
	}

	@Override
	public CompletableFuture<T> exceptionally(Function<Throwable, ? extends T> fn) {
		Object previous = handlerBegins();
		try {
			return super.exceptionally(fn);
		}
		finally {
			handlerEnds(previous);
		}
	}

	@Override
	public CompletableFuture<T> exceptionallyAsync(Function<Throwable, ? extends T> fn) {
		Object previous = handlerBegins();
		try {
			return super.exceptionallyAsync(fn);
		}
		finally {
			handlerEnds(previous);
		}
	}

	@Override
	public CompletableFuture<T> exceptionallyAsync(Function<Throwable, ? extends T> fn, Executor executor) {
		Object previous = handlerBegins();
		try {
			return super.exceptionallyAsync(fn, executor);
		}
		finally {
			handlerEnds(previous);
		}
	}

	@Override
	public CompletableFuture<T> exceptionallyCompose(Function<Throwable, ? extends CompletionStage<T>> fn) {
		Object previous = handlerBegins();
		try {
			return super.exceptionallyCompose(fn);
		}
		finally {
			handlerEnds(previous);
		}
	}

	@Override
	public CompletableFuture<T> exceptionallyComposeAsync(Function<Throwable, ? extends CompletionStage<T>> fn) {
		Object previous = handlerBegins();
		try {
			return super.exceptionallyComposeAsync(fn);
		}
		finally {
			handlerEnds(previous);
		}
	}

	@Override
	public CompletableFuture<T> exceptionallyComposeAsync(Function<Throwable, ? extends CompletionStage<T>> fn,
			Executor executor) {
		Object previous = handlerBegins();
		try {
			return super.exceptionallyComposeAsync(fn, executor);
		}
		finally {
			handlerEnds(previous);
		}
	}

	/**
	 * Mark, while the JDK asks this stage for a handler's new stage, that the stage is a
	 * handler's, whose function receives this stage's failure (see
	 * {@link #newIncompleteFuture}).
	 * @return what to restore
	 */
	private static Object handlerBegins() {
		Object previous = INTERNAL.get();
		if (previous == null) {
			INTERNAL.set(HANDLER);
		}
		return previous;
	}

	private static void handlerEnds(Object previous) {
		if (previous == null) {
			INTERNAL.remove();
		}
	}

	@Override
	public CompletableFuture<T> whenComplete(BiConsumer<? super T, ? super Throwable> action) {
		return observedBy(super.whenComplete(action));
	}

	@Override
	public CompletableFuture<T> whenCompleteAsync(BiConsumer<? super T, ? super Throwable> action) {
		return observedBy(super.whenCompleteAsync(action));
	}

	@Override
	public CompletableFuture<T> whenCompleteAsync(BiConsumer<? super T, ? super Throwable> action, Executor executor) {
		return observedBy(super.whenCompleteAsync(action, executor));
	}

	private CompletableFuture<T> observedBy(CompletableFuture<T> dependent) {
		// The action saw this stage's failure: the dependent carrying that same failure
		// on is not a second loss.
		if (dependent instanceof TrackedCompletableFuture<T> tracked) {
			// Completed already (this stage had), or completing on another thread: what
			// it needs of this stage is kept, not the stage.
			tracked.record().observedSource(this, tracked.isDone());
		}
		return dependent;
	}

	@Override
	public int getNumberOfDependents() {
		int count = super.getNumberOfDependents();
		return (this.dependent && this.observed == 0 && count > 0) ? count - 1 : count;
	}

}
