package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TrackingSettings;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for an executor bean whose {@code newTaskFor} reads the task it receives (the
 * priority pool): a task of the application's own class reaches it as it is, whether the
 * bean is declared by its class (a proxy) or as an {@code ExecutorService} (the engine's
 * wrapper).
 */
class PriorityPoolBeanTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
		.withUserConfiguration(Pools.class);

	@ParameterizedTest
	@ValueSource(strings = { "byClass", "byInterface" })
	void newTaskForOfThePoolReceivesTheApplicationsTask(String name) {
		this.contextRunner.run((context) -> {
			ExecutorService executor = context.getBean(name, ExecutorService.class);
			assertThat(executor.submit((Callable<Integer>) new Prioritized(5)).get(30, TimeUnit.SECONDS)).isEqualTo(5);
			assertThat(executor.submit(new Prioritized(7), "done").get(30, TimeUnit.SECONDS)).isEqualTo("done");
			assertThat(executor.submit((Runnable) new Prioritized(9)).get(30, TimeUnit.SECONDS)).isNull();
			assertThat(context.getBean(Pools.class).priorities.get(name)).containsExactly(5, 7, 9);
		});
	}

	@ParameterizedTest
	@ValueSource(strings = { "scheduledByClass", "scheduledByInterface" })
	void decorateTaskOfTheScheduledPoolReceivesTheApplicationsTask(String name) {
		this.contextRunner.run((context) -> {
			ScheduledExecutorService executor = context.getBean(name, ScheduledExecutorService.class);
			executor.execute(new Prioritized(1));
			assertThat(executor.schedule((Callable<Integer>) new Prioritized(2), 1, TimeUnit.MILLISECONDS)
				.get(30, TimeUnit.SECONDS)).isEqualTo(2);
			assertThat(executor.schedule((Runnable) new Prioritized(3), 1, TimeUnit.MILLISECONDS)
				.get(30, TimeUnit.SECONDS)).isNull();
			assertThat(executor.submit((Callable<Integer>) new Prioritized(4)).get(30, TimeUnit.SECONDS)).isEqualTo(4);
			executor.scheduleWithFixedDelay(new Prioritized(5), 0, 1, TimeUnit.HOURS);
			assertThat(context.getBean(Pools.class).priorities.get(name)).containsExactly(1, 2, 3, 4, 5);
		});
	}

	/**
	 * The pool inside Spring's scheduler overrides {@code decorateTask} without reading
	 * the task: a task of a named class keeps the engine's task there, and its lost
	 * failure is reported.
	 */
	@Test
	void lostFailureOfANamedTaskOnThePoolInsideSpringsSchedulerIsReported() {
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.initialize();
		try (TaskTracker tracker = TaskTracker
			.create(TrackingSettings.builder().gracePeriod(Duration.ofMinutes(10)).build())) {
			RecordingListener listener = new RecordingListener();
			tracker.addListener(listener);
			ScheduledExecutorService executor = tracker.wrap("inner", scheduler.getScheduledExecutor());
			Future<?> lost = executor.submit(new Failing());
			await().atMost(Duration.ofSeconds(30)).until(lost::isDone);
			lost = null;
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(listener.leaksOf(Failing.class.getName())).hasSize(1);
			});
		}
		finally {
			scheduler.shutdown();
		}
	}

	static final class Failing implements Callable<Object> {

		@Override
		public Object call() {
			throw new IllegalStateException("lost on the scheduler's pool");
		}

	}

	public interface HasPriority {

		int priority();

	}

	public static final class Prioritized implements Callable<Integer>, Runnable, HasPriority {

		private final int priority;

		Prioritized(int priority) {
			this.priority = priority;
		}

		@Override
		public int priority() {
			return this.priority;
		}

		@Override
		public Integer call() {
			return this.priority;
		}

		@Override
		public void run() {
		}

	}

	/**
	 * A pool whose {@code newTaskFor} casts the task to the type its callers submit.
	 */
	public static class PriorityPool extends ThreadPoolExecutor {

		private final List<Integer> priorities;

		public PriorityPool(List<Integer> priorities) {
			super(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
			this.priorities = priorities;
		}

		@Override
		protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
			this.priorities.add(((HasPriority) callable).priority());
			return new FutureTask<>(callable);
		}

		@Override
		protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
			this.priorities.add(((HasPriority) runnable).priority());
			return new FutureTask<>(runnable, value);
		}

	}

	/**
	 * A scheduled pool whose {@code decorateTask} casts the task to the type its callers
	 * schedule.
	 */
	public static class DecoratingScheduledPool extends ScheduledThreadPoolExecutor {

		private final List<Integer> priorities;

		public DecoratingScheduledPool(List<Integer> priorities) {
			super(1);
			this.priorities = priorities;
		}

		@Override
		protected <V> RunnableScheduledFuture<V> decorateTask(Runnable runnable, RunnableScheduledFuture<V> task) {
			this.priorities.add(((HasPriority) runnable).priority());
			return task;
		}

		@Override
		protected <V> RunnableScheduledFuture<V> decorateTask(Callable<V> callable, RunnableScheduledFuture<V> task) {
			this.priorities.add(((HasPriority) callable).priority());
			return task;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Pools {

		final java.util.Map<String, List<Integer>> priorities = java.util.Map.of("byClass",
				new CopyOnWriteArrayList<>(), "byInterface", new CopyOnWriteArrayList<>(), "scheduledByClass",
				new CopyOnWriteArrayList<>(), "scheduledByInterface", new CopyOnWriteArrayList<>());

		@Bean(destroyMethod = "shutdownNow")
		DecoratingScheduledPool scheduledByClass() {
			return new DecoratingScheduledPool(this.priorities.get("scheduledByClass"));
		}

		@Bean(destroyMethod = "shutdownNow")
		ScheduledExecutorService scheduledByInterface() {
			return new DecoratingScheduledPool(this.priorities.get("scheduledByInterface"));
		}

		@Bean(destroyMethod = "shutdownNow")
		PriorityPool byClass() {
			return new PriorityPool(this.priorities.get("byClass"));
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService byInterface() {
			return new PriorityPool(this.priorities.get("byInterface"));
		}

	}

}
