package io.github.leakedtasks.tracking;

import java.util.concurrent.Callable;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A tracked {@link ScheduledExecutorService}: a periodic task that throws stops for good,
 * and its failure is lost unless its future is read.
 *
 * @since 0.1.0
 */
final class TrackedScheduledExecutorService extends TrackedExecutorService implements ScheduledExecutorService {

	private final ScheduledExecutorService scheduler;

	TrackedScheduledExecutorService(ExecutorTracking tracking, ScheduledExecutorService delegate) {
		super(tracking, delegate);
		this.scheduler = delegate;
	}

	@Override
	public ScheduledFuture<?> schedule(Runnable command, long delay, TimeUnit unit) {
		if (IntegrationSubmission.isActive() || handsOverScheduled(command)) {
			return this.scheduler.schedule(command, delay, unit);
		}
		return this.tracking.<Object>schedule(command, delay, unit,
				(tracked) -> cast(this.scheduler.schedule((Runnable) tracked, delay, unit)));
	}

	@Override
	public <V> ScheduledFuture<V> schedule(Callable<V> callable, long delay, TimeUnit unit) {
		if (IntegrationSubmission.isActive() || handsOverScheduled(callable)) {
			return this.scheduler.schedule(callable, delay, unit);
		}
		return this.tracking.schedule(callable, delay, unit,
				(tracked) -> this.scheduler.schedule((Callable<V>) tracked, delay, unit));
	}

	@Override
	public ScheduledFuture<?> scheduleAtFixedRate(Runnable command, long initialDelay, long period, TimeUnit unit) {
		if (handsOverScheduled(command)) {
			return this.scheduler.scheduleAtFixedRate(command, initialDelay, period, unit);
		}
		return this.tracking.schedulePeriodic(command,
				(tracked) -> cast(this.scheduler.scheduleAtFixedRate(tracked, initialDelay, period, unit)));
	}

	@Override
	public ScheduledFuture<?> scheduleWithFixedDelay(Runnable command, long initialDelay, long delay, TimeUnit unit) {
		if (handsOverScheduled(command)) {
			return this.scheduler.scheduleWithFixedDelay(command, initialDelay, delay, unit);
		}
		return this.tracking.schedulePeriodic(command,
				(tracked) -> cast(this.scheduler.scheduleWithFixedDelay(tracked, initialDelay, delay, unit)));
	}

	@Override
	public void execute(Runnable command) {
		if (handsOverScheduled(command)) {
			// A scheduled pool's execute schedules the task, which its decorateTask
			// receives.
			this.scheduler.execute(command);
			return;
		}
		super.execute(command);
	}

	private boolean handsOverScheduled(Object task) {
		return this.tracking.handsOverScheduled(this.scheduler, task);
	}

	@SuppressWarnings("unchecked")
	private static ScheduledFuture<Object> cast(ScheduledFuture<?> future) {
		return (ScheduledFuture<Object>) future;
	}

}
