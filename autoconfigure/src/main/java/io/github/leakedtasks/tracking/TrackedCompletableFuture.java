package io.github.leakedtasks.tracking;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.BiConsumer;

/**
 * The {@link CompletableFuture} handed to the caller. It mirrors the executor's own
 * future result for result, so every exception class and cause is unchanged, and notes
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

	final TaskRecord record;

	private final boolean dependent;

	private volatile CompletableFuture<T> source;

	private boolean registeringObserver;

	private volatile boolean observed;

	TrackedCompletableFuture(TaskRecord record) {
		this.record = record;
		this.dependent = false;
	}

	/**
	 * Create a dependent stage, which inherits where its chain was created.
	 */
	private TrackedCompletableFuture(TrackedCompletableFuture<?> parent) {
		this.record = new TaskRecord(parent.record);
		this.dependent = true;
		this.registeringObserver = true;
		// A dependent is completed by CompletableFuture's internals, which call no
		// overridable method: observe it.
		super.whenComplete(this::dependentCompleted);
		this.registeringObserver = false;
	}

	/**
	 * Complete this future exactly as the executor's future completes.
	 */
	void mirror(CompletableFuture<T> source) {
		this.source = source;
		source.whenComplete(this::sourceCompleted);
	}

	private void sourceCompleted(T result, Throwable failure) {
		if (failure != null) {
			if (super.getNumberOfDependents() > 0) {
				// A combinator such as allOf or anyOf received this future while pending:
				// it carries the failure on.
				this.record.retrieved();
			}
			super.completeExceptionally(failure);
		}
		else {
			super.complete(result);
		}
	}

	private void dependentCompleted(T result, Throwable failure) {
		this.observed = true;
		if (failure != null) {
			this.record.executor.failed(this.record, failure, this);
		}
	}

	@Override
	public <U> CompletableFuture<U> newIncompleteFuture() {
		if (this.registeringObserver) {
			return new CompletableFuture<>();
		}
		this.record.retrieved();
		TrackedCompletableFuture<U> dependent = new TrackedCompletableFuture<>(this);
		if (isDone()) {
			// A dependent of a completed stage gets its result written directly, with no
			// completion firing: the observer never runs, so the detector looks at it.
			this.record.executor.tracker().states().checkCompletedDependent(dependent);
		}
		return dependent;
	}

	/**
	 * Report the failure of a dependent that was completed without running its observer.
	 * @return whether the dependent is complete
	 */
	boolean checkCompleted() {
		if (this.observed) {
			return true;
		}
		if (!isDone()) {
			return false;
		}
		Throwable failure = null;
		try {
			super.getNow(null);
		}
		catch (CompletionException | CancellationException ex) {
			failure = ex;
		}
		dependentCompleted(null, failure);
		return true;
	}

	@Override
	public T get() throws InterruptedException, ExecutionException {
		this.record.retrieved();
		return super.get();
	}

	@Override
	public T get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
		this.record.retrieved();
		return super.get(timeout, unit);
	}

	@Override
	public T join() {
		this.record.retrieved();
		return super.join();
	}

	@Override
	public T getNow(T valueIfAbsent) {
		this.record.retrieved();
		return super.getNow(valueIfAbsent);
	}

	// resultNow() and exceptionNow() override CompletableFuture's methods on Java 19 and
	// later.

	@SuppressWarnings("unchecked")
	public T resultNow() {
		this.record.retrieved();
		return (T) FutureMethods.invoke(RESULT_NOW, this);
	}

	public Throwable exceptionNow() {
		this.record.retrieved();
		return (Throwable) FutureMethods.invoke(EXCEPTION_NOW, this);
	}

	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		this.record.mark(TaskRecord.CANCELLED);
		this.record.retrieved();
		boolean cancelled = super.cancel(mayInterruptIfRunning);
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
		this.record.retrieved();
		return this;
	}

	@Override
	public CompletionStage<T> minimalCompletionStage() {
		this.record.retrieved();
		return super.minimalCompletionStage();
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
			tracked.record.observedSource = this.record;
		}
		return dependent;
	}

	@Override
	public int getNumberOfDependents() {
		int count = super.getNumberOfDependents();
		return (this.dependent && !this.observed && count > 0) ? count - 1 : count;
	}

}
