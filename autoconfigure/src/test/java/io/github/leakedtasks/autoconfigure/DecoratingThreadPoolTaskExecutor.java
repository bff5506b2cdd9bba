package io.github.leakedtasks.autoconfigure;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;

import org.springframework.core.task.TaskDecorator;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * A {@link ThreadPoolTaskExecutor} with a {@link TaskDecorator} whose shutdown cancels
 * the futures of queued tasks whether or not a collection ran since they were submitted.
 * <p>
 * Spring's finds the future behind a decorated task that {@code shutdownNow()} hands back
 * in a {@code ConcurrentReferenceHashMap} of weak entries, which any collection clears: a
 * test that expects the futures cancelled would pass or fail with the collector's timing
 * (and a differential test would compare two such runs). This one remembers each
 * decorated task strongly too, until its task starts, and cancels its future when
 * Spring's map lost it.
 */
public class DecoratingThreadPoolTaskExecutor extends ThreadPoolTaskExecutor {

	private final Map<Runnable, Runnable> originals = new ConcurrentHashMap<>();

	public DecoratingThreadPoolTaskExecutor(TaskDecorator decorator) {
		setTaskDecorator((runnable) -> {
			Runnable decorated = decorator.decorate(runnable);
			this.originals.put(decorated, runnable);
			return decorated;
		});
	}

	@Override
	protected void beforeExecute(Thread thread, Runnable task) {
		this.originals.remove(task);
		super.beforeExecute(thread, task);
	}

	@Override
	protected void cancelRemainingTask(Runnable task) {
		super.cancelRemainingTask(task);
		if (this.originals.remove(task) instanceof Future<?> future) {
			future.cancel(true);
		}
	}

}
