package io.github.leakedtasks.tracking;

import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future handed to the caller: the executor's own future, noting when a call hands
 * its failure to the caller. What the future delivers is read from the executor's future,
 * not from what the task threw: an executor may handle a task's exception itself.
 * <p>
 * {@link FutureViews} picks the subclass that implements every interface the executor's
 * future does.
 *
 * @param <V> the result type
 * @since 0.1.0
 */
class TrackedFuture<V> implements Future<V> {

	final Future<V> delegate;

	final TrackedTask<?> task;

	TrackedFuture(Future<V> delegate, TrackedTask<?> task) {
		this.delegate = delegate;
		this.task = task;
	}

	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		boolean cancelled = this.delegate.cancel(mayInterruptIfRunning);
		if (cancelled) {
			this.task.mark(TaskRecord.CANCELLED);
		}
		return cancelled;
	}

	@Override
	public boolean isCancelled() {
		boolean cancelled = this.delegate.isCancelled();
		if (cancelled) {
			// Cancelled by the executor itself (a rejection handler, a shutdown policy):
			// the task will not run, and the caller knows.
			this.task.mark(TaskRecord.CANCELLED);
		}
		return cancelled;
	}

	@Override
	public boolean isDone() {
		return this.delegate.isDone();
	}

	@Override
	public V get() throws InterruptedException, ExecutionException {
		try {
			return this.delegate.get();
		}
		catch (ExecutionException ex) {
			this.task.retrieved();
			throw ex;
		}
		catch (CancellationException ex) {
			this.task.mark(TaskRecord.CANCELLED | TaskRecord.RETRIEVED);
			throw ex;
		}
	}

	@Override
	public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
		try {
			return this.delegate.get(timeout, unit);
		}
		catch (ExecutionException ex) {
			this.task.retrieved();
			throw ex;
		}
		catch (CancellationException ex) {
			this.task.mark(TaskRecord.CANCELLED | TaskRecord.RETRIEVED);
			throw ex;
		}
	}

	// These two override Future's default methods on Java 19 and later. Future.state()
	// cannot be overridden when compiling for Java 17: its default implementation calls
	// get(), which counts as retrieval when it delivers the failure.

	@SuppressWarnings("unchecked")
	public V resultNow() {
		try {
			return (V) FutureMethods.invoke(FutureMethods.FUTURE_RESULT_NOW, this.delegate);
		}
		catch (IllegalStateException ex) {
			// Thrown for a failed task as well as for a pending one: the caller learns of
			// the failure only in the first case.
			if (this.delegate.isDone()) {
				this.task.retrieved();
			}
			throw ex;
		}
	}

	public Throwable exceptionNow() {
		Throwable failure = (Throwable) FutureMethods.invoke(FutureMethods.FUTURE_EXCEPTION_NOW, this.delegate);
		this.task.retrieved();
		return failure;
	}

	@Override
	public String toString() {
		return this.delegate.toString();
	}

	/**
	 * Return what a completed executor future delivers to whoever reads it.
	 * @param future the executor's future
	 * @return the failure, {@link Outcome#PENDING} while it is not complete, or
	 * {@code null} if it completed normally or was cancelled
	 */
	private static Throwable causeOf(ExecutionException ex) {
		try {
			Throwable cause = ex.getCause();
			return (cause != null) ? cause : ex;
		}
		catch (Throwable unreadable) {
			// An application's subclass whose getCause() throws: the exception is it.
			return ex;
		}
	}

	static Object outcome(Future<?> future) {
		try {
			if (!future.isDone()) {
				return Outcome.PENDING;
			}
			if (future.isCancelled()) {
				return null;
			}
			future.get(0, TimeUnit.NANOSECONDS);
			return null;
		}
		catch (ExecutionException ex) {
			return causeOf(ex);
		}
		catch (TimeoutException ex) {
			return Outcome.PENDING;
		}
		catch (InterruptedException ex) {
			// Only the detector calls this: its interrupt means stop, which it also
			// learns from its running flag; a future's spurious interrupt must not end
			// detection.
			return Outcome.PENDING;
		}
		catch (Throwable ex) {
			// A future of the application's that misbehaves is not reported.
			return null;
		}
	}

	/**
	 * Marker of an executor future that is not complete yet.
	 */
	enum Outcome {

		PENDING

	}

}
