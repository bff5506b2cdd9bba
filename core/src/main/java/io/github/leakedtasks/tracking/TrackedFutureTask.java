package io.github.leakedtasks.tracking;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

/**
 * The future of a task submitted to an executor whose {@code submit} is
 * {@code AbstractExecutorService}'s own, such as a {@code ThreadPoolExecutor}: the engine
 * makes the {@link FutureTask} that {@code submit} would make and executes it, so the
 * caller, {@code afterExecute} and {@code shutdownNow()} all see this one object. It
 * notes the failure it delivers and every call that hands it to someone.
 *
 * @param <V> the result type
 * @since 0.1.0
 */
final class TrackedFutureTask<V> extends FutureTask<V> {

	private static final MethodHandle RESULT_NOW = FutureMethods.findSuper(MethodHandles.lookup(), FutureTask.class,
			"resultNow", Object.class);

	private static final MethodHandle EXCEPTION_NOW = FutureMethods.findSuper(MethodHandles.lookup(), FutureTask.class,
			"exceptionNow", Throwable.class);

	private final TrackedTask<V> task;

	TrackedFutureTask(TrackedTask<V> task) {
		super((Callable<V>) task);
		this.task = task;
	}

	TrackedFutureTask(TrackedTask<V> task, V result) {
		super((Runnable) task, result);
		this.task = task;
	}

	/**
	 * Return the tracked task this future runs.
	 */
	TrackedTask<V> task() {
		return this.task;
	}

	@Override
	protected void setException(Throwable failure) {
		super.setException(failure);
		try {
			TaskRecord record = this.task.record();
			if (record != null && !isCancelled() && !this.task.is(TaskRecord.LEFT_TO_TASK)) {
				this.task.executor.tracker().states().watch(record, this, null, failure);
			}
		}
		catch (Throwable ex) {
			// The future completes as it would untracked, whatever the tracker does.
		}
	}

	@Override
	public boolean cancel(boolean mayInterruptIfRunning) {
		boolean cancelled = super.cancel(mayInterruptIfRunning);
		if (cancelled) {
			this.task.mark(TaskRecord.CANCELLED);
		}
		return cancelled;
	}

	@Override
	public V get() throws InterruptedException, ExecutionException {
		try {
			return super.get();
		}
		catch (ExecutionException | CancellationException ex) {
			this.task.retrieved();
			throw ex;
		}
	}

	@Override
	public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
		try {
			return super.get(timeout, unit);
		}
		catch (ExecutionException | CancellationException ex) {
			this.task.retrieved();
			throw ex;
		}
	}

	// resultNow() and exceptionNow() override FutureTask's methods on Java 19 and later.

	@SuppressWarnings("unchecked")
	public V resultNow() {
		try {
			return (V) FutureMethods.invoke(RESULT_NOW, this);
		}
		catch (IllegalStateException ex) {
			if (isDone()) {
				this.task.retrieved();
			}
			throw ex;
		}
	}

	public Throwable exceptionNow() {
		Throwable failure = (Throwable) FutureMethods.invoke(EXCEPTION_NOW, this);
		this.task.retrieved();
		return failure;
	}

}
