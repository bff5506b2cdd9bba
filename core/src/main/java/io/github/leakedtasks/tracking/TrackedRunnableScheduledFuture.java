package io.github.leakedtasks.tracking;

import java.util.concurrent.RunnableScheduledFuture;

/**
 * The view of an executor future that is a {@link RunnableScheduledFuture}, as those of
 * {@code ScheduledThreadPoolExecutor} are.
 *
 * @param <V> the result type
 * @since 0.1.0
 */
final class TrackedRunnableScheduledFuture<V> extends TrackedScheduledFuture<V> implements RunnableScheduledFuture<V> {

	TrackedRunnableScheduledFuture(RunnableScheduledFuture<V> delegate, TrackedTask<?> task) {
		super(delegate, task);
	}

	@Override
	public void run() {
		((RunnableScheduledFuture<V>) this.delegate).run();
	}

	@Override
	public boolean isPeriodic() {
		return ((RunnableScheduledFuture<V>) this.delegate).isPeriodic();
	}

}
