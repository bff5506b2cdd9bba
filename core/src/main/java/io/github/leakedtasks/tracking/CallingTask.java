package io.github.leakedtasks.tracking;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletionException;
import java.util.function.Supplier;

/**
 * The tracked task of {@link ExecutorTracking#callAsync}, and the supplier the JDK's own
 * task behind {@code CompletableFuture.completeAsync} calls: it calls the application's
 * task unless the tracked future is complete by then, and completes that future with what
 * the task delivered. One object per task, where a task and a supplier would be two. The
 * Java agent, which sees the JDK's task, leaves it to the wrapper
 * ({@link FutureEvents#isTracked}).
 *
 * @param <T> the result type
 * @since 0.1.0
 */
final class CallingTask<T> extends TrackedTask<T> implements Supplier<T> {

	CallingTask(ExecutorTracking executor, Callable<T> task) {
		super(executor, task, FUTURE);
	}

	/**
	 * Note the future this task completes, before it is handed to the executor: held as
	 * any task's future is, until the task finishes.
	 */
	void completes(TrackedCompletableFuture<T> future) {
		hold(future);
	}

	@Override
	@SuppressWarnings("unchecked")
	public T get() {
		// Read before the task runs: a task that finished lets go of its future. It is
		// null only if the executor ran the task after refusing it, when the caller got
		// the exception and no future: the task is then called as the JDK's would be.
		TrackedCompletableFuture<T> future = (TrackedCompletableFuture<T>) this.future;
		if (future != null && future.isDone()) {
			passOver();
			return null;
		}
		T result;
		try {
			result = call();
		}
		catch (Throwable ex) {
			if (future != null) {
				future.sourceCompleted(null, (ex instanceof CompletionException) ? ex : new CompletionException(ex));
			}
			return null;
		}
		if (future != null) {
			future.sourceCompleted(result, null);
		}
		return null;
	}

}
