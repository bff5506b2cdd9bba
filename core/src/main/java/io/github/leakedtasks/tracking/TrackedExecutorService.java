package io.github.leakedtasks.tracking;

import java.util.Collection;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

/**
 * A tracked {@link ExecutorService}. {@code invokeAll} and {@code invokeAny} pass through
 * untracked: they return only after their tasks complete, to a caller that waits for
 * them.
 *
 * @since 0.1.0
 */
class TrackedExecutorService extends TrackedExecutor implements ExecutorService {

	final ExecutorService delegate;

	// Created once: a method reference bound per call costs an allocation per task.
	private final Function<Callable<?>, Future<?>> submitCallable;

	private final Function<Runnable, Future<?>> submitRunnable;

	/** Whether the delegate submits as {@code AbstractExecutorService} does. */
	private final boolean standard;

	TrackedExecutorService(ExecutorTracking tracking, ExecutorService delegate) {
		super(tracking, delegate);
		this.delegate = delegate;
		this.submitCallable = delegate::submit;
		this.submitRunnable = delegate::submit;
		this.standard = StandardSubmission.isStandard(delegate);
	}

	@Override
	public <T> Future<T> submit(Callable<T> task) {
		if (IntegrationSubmission.isActive()) {
			return this.delegate.submit(task);
		}
		if (this.standard) {
			return this.tracking.submitAsFutureTask(task, this.delegate);
		}
		if (handsOver(task)) {
			return this.delegate.submit(task);
		}
		return this.tracking.submit(task, null, typed(this.submitCallable));
	}

	@Override
	public <T> Future<T> submit(Runnable task, T result) {
		if (IntegrationSubmission.isActive()) {
			return this.delegate.submit(task, result);
		}
		if (this.standard) {
			return this.tracking.submitAsFutureTask(task, result, this.delegate);
		}
		if (handsOver(task)) {
			return this.delegate.submit(task, result);
		}
		return this.tracking.submitRunnable(task, null, (tracked) -> this.delegate.submit(tracked, result));
	}

	@Override
	public Future<?> submit(Runnable task) {
		if (IntegrationSubmission.isActive()) {
			return this.delegate.submit(task);
		}
		if (this.standard) {
			return this.tracking.submitAsFutureTask(task, null, this.delegate);
		}
		if (handsOver(task)) {
			return this.delegate.submit(task);
		}
		return this.tracking.<Object>submitRunnable(task, null, typed(this.submitRunnable));
	}

	/**
	 * Whether a task goes as it is, untracked, to a pool whose own code receives it (see
	 * {@link ExecutorTracking#handsOver}).
	 */
	boolean handsOver(Object task) {
		return this.tracking.handsOver(this.delegate, task);
	}

	@SuppressWarnings("unchecked")
	private static <A, R> Function<A, R> typed(Function<?, ?> submitter) {
		return (Function<A, R>) submitter;
	}

	@Override
	public void shutdown() {
		this.delegate.shutdown();
	}

	@Override
	public List<Runnable> shutdownNow() {
		return this.tracking.handedBack(this.delegate.shutdownNow());
	}

	@Override
	public boolean isShutdown() {
		return this.delegate.isShutdown();
	}

	@Override
	public boolean isTerminated() {
		return this.delegate.isTerminated();
	}

	@Override
	public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
		return this.delegate.awaitTermination(timeout, unit);
	}

	@Override
	public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks) throws InterruptedException {
		return this.delegate.invokeAll(tasks);
	}

	@Override
	public <T> List<Future<T>> invokeAll(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
			throws InterruptedException {
		return this.delegate.invokeAll(tasks, timeout, unit);
	}

	@Override
	public <T> T invokeAny(Collection<? extends Callable<T>> tasks) throws InterruptedException, ExecutionException {
		return this.delegate.invokeAny(tasks);
	}

	@Override
	public <T> T invokeAny(Collection<? extends Callable<T>> tasks, long timeout, TimeUnit unit)
			throws InterruptedException, ExecutionException, TimeoutException {
		return this.delegate.invokeAny(tasks, timeout, unit);
	}

	// Overrides ExecutorService.close() on Java 19 and later, so that the executor's own
	// close() runs.
	public void close() {
		FutureMethods.invoke(FutureMethods.EXECUTOR_CLOSE, this.delegate);
	}

}
