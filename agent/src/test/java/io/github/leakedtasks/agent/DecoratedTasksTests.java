package io.github.leakedtasks.agent;

import java.lang.reflect.Field;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TrackingSettings;
import io.github.leakedtasks.tracking.UntrackedType;

import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link DecoratedTasks}: the task a {@code ThreadPoolTaskExecutor}'s
 * {@code TaskDecorator} decorated is found, and where Spring's fields cannot be read the
 * pool's class is listed as untracked, once.
 */
class DecoratedTasksTests {

	private final TaskTracker tracker = TaskTracker.create(TrackingSettings.defaults());

	private final ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();

	@AfterEach
	void close() {
		this.executor.shutdown();
		this.tracker.close();
	}

	@Test
	void taskBehindTheDecorationIsFound() throws Exception {
		this.executor.setCorePoolSize(1);
		this.executor.setTaskDecorator((task) -> () -> task.run());
		this.executor.initialize();
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch started = new CountDownLatch(1);
		this.executor.execute(() -> {
			started.countDown();
			await(release);
		});
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		Runnable task = () -> {
		};
		this.executor.execute(task);
		ThreadPoolExecutor pool = this.executor.getThreadPoolExecutor();
		BlockingQueue<Runnable> queue = pool.getQueue();
		Runnable queued = queue.peek();
		try {
			assertThat(queued).isNotNull().isNotSameAs(task);
			DecoratedTasks decorated = new DecoratedTasks(this.tracker);
			assertThat(decorated.original(queued, pool)).isSameAs(task);
			// Not decorated, or not Spring's pool: the task itself.
			Runnable other = () -> {
			};
			assertThat(decorated.original(other, pool)).isSameAs(other);
			assertThat(decorated.original(queued, new Object())).isSameAs(queued);
			assertThat(this.tracker.untrackedTypes()).isEmpty();
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void poolWhoseMapCannotBeReadIsListedAsUntrackedOnce() throws Exception {
		this.executor.initialize();
		ThreadPoolExecutor pool = this.executor.getThreadPoolExecutor();
		// As if Spring's fields were not what they were.
		Field map = ThreadPoolTaskExecutor.class.getDeclaredField("decoratedTaskMap");
		map.setAccessible(true);
		map.set(this.executor, null);
		DecoratedTasks decorated = new DecoratedTasks(this.tracker);
		Runnable task = () -> {
		};
		assertThat(decorated.original(task, pool)).isNull();
		assertThat(decorated.original(task, pool)).isNull();
		assertThat(this.tracker.untrackedTypes())
			.containsExactly(new UntrackedType(pool.getClass().getName(), DecoratedTasks.UNREADABLE_REASON));
	}

	private static void await(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
