package io.github.leakedtasks.tracking;

import java.util.concurrent.Delayed;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * The scheduled future handed to the caller.
 *
 * @param <V> the result type
 * @since 0.1.0
 */
class TrackedScheduledFuture<V> extends TrackedFuture<V> implements ScheduledFuture<V> {

	TrackedScheduledFuture(ScheduledFuture<V> delegate, TrackedTask<?> task) {
		super(delegate, task);
	}

	@Override
	public long getDelay(TimeUnit unit) {
		return ((ScheduledFuture<V>) this.delegate).getDelay(unit);
	}

	@Override
	public int compareTo(Delayed other) {
		Delayed target = (other instanceof TrackedScheduledFuture<?> tracked) ? (Delayed) tracked.delegate : other;
		return ((ScheduledFuture<V>) this.delegate).compareTo(target);
	}

}
