package io.github.leakedtasks.tracking;

import java.util.concurrent.RunnableFuture;

/**
 * The view of an executor future that is a {@link RunnableFuture}, as those of
 * {@code ThreadPoolExecutor} are: running it runs the executor's future.
 *
 * @param <V> the result type
 * @since 0.1.0
 */
final class TrackedRunnableFuture<V> extends TrackedFuture<V> implements RunnableFuture<V> {

	TrackedRunnableFuture(RunnableFuture<V> delegate, TrackedTask<?> task) {
		super(delegate, task);
	}

	@Override
	public void run() {
		((RunnableFuture<V>) this.delegate).run();
	}

}
