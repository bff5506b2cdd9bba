package io.github.leakedtasks.tracking;

import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future handed to the caller: the executor's own future, noting when its outcome is
 * retrieved.
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
		this.task.mark(TaskRecord.CANCELLED | TaskRecord.RETRIEVED);
		return this.delegate.cancel(mayInterruptIfRunning);
	}

	@Override
	public boolean isCancelled() {
		return this.delegate.isCancelled();
	}

	@Override
	public boolean isDone() {
		return this.delegate.isDone();
	}

	@Override
	public V get() throws InterruptedException, ExecutionException {
		this.task.retrieved();
		return this.delegate.get();
	}

	@Override
	public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
		this.task.retrieved();
		return this.delegate.get(timeout, unit);
	}

	// These two override Future's default methods on Java 19 and later. Future.state()
	// cannot be overridden when
	// compiling for Java 17: its default implementation calls get(), which counts as
	// retrieval.

	@SuppressWarnings("unchecked")
	public V resultNow() {
		this.task.retrieved();
		return (V) FutureMethods.invoke(FutureMethods.FUTURE_RESULT_NOW, this.delegate);
	}

	public Throwable exceptionNow() {
		this.task.retrieved();
		return (Throwable) FutureMethods.invoke(FutureMethods.FUTURE_EXCEPTION_NOW, this.delegate);
	}

	@Override
	public String toString() {
		return this.delegate.toString();
	}

}
