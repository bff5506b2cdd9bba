package io.github.leakedtasks.autoconfigure;

import java.util.List;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.autoconfigure.SpringExecutorProbe.Task;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The behaviours Spring Framework's {@code ThreadPoolTaskExecutorTests} checks of a
 * running pool: its sizes, keep-alive and queue capacity changed while it runs, the
 * values it refuses, and what it reports of its threads and queue, on a
 * {@link ThreadPoolTaskExecutor} bean that the auto-configuration wraps: every scenario
 * observes the same with leaked-tasks enabled as disabled.
 */
class SpringExecutorPoolBehaviourTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
		.withUserConfiguration(PoolConfiguration.class);

	@Test
	void raisingPoolSizesWhileRunningStartsThreadForQueuedTask() {
		List<Object> outcome = differential().outcome((context, observed) -> {
			ThreadPoolTaskExecutor executor = executor(context);
			Task running = Task.blocking("running");
			Future<?> first = executor.submit((Runnable) running);
			running.awaitStarted();
			Task queued = Task.blocking("queued");
			Future<?> second = executor.submit((Runnable) queued);
			observed.add(report(executor));
			executor.setMaxPoolSize(2);
			executor.setCorePoolSize(2);
			queued.awaitStarted();
			observed.add(List.of(executor.getCorePoolSize(), executor.getThreadPoolExecutor().getCorePoolSize(),
					executor.getMaxPoolSize(), executor.getThreadPoolExecutor().getMaximumPoolSize()));
			observed.add(report(executor));
			running.release.countDown();
			queued.release.countDown();
			observed.add(List.of(first.get(30, TimeUnit.SECONDS) == null, second.get(30, TimeUnit.SECONDS) == null));
			observed.add(List.of(running.awaitThread(), queued.awaitThread()));
		});
		assertThat(outcome).containsExactly(List.of(1, 1, 1), List.of(2, 2, 2, 2), List.of(2, 2, 0),
				List.of(true, true), List.of("suite-1", "suite-2"));
	}

	@Test
	void invalidPoolSizesAndKeepAliveAreRefusedWhileRunning() {
		List<Object> outcome = differential().outcome((context, observed) -> {
			ThreadPoolTaskExecutor executor = executor(context);
			ThreadPoolExecutor pool = executor.getThreadPoolExecutor();
			observed.add(Differential.failure(() -> executor.setCorePoolSize(-1)));
			observed.add(Differential.failure(() -> executor.setMaxPoolSize(0)));
			observed.add(Differential.failure(() -> executor.setKeepAliveSeconds(-10)));
			observed.add(List.of(executor.getCorePoolSize(), pool.getCorePoolSize(), executor.getMaxPoolSize(),
					pool.getMaximumPoolSize(), executor.getKeepAliveSeconds(),
					pool.getKeepAliveTime(TimeUnit.SECONDS)));
			executor.setCorePoolSize(0);
			executor.setMaxPoolSize(5);
			executor.setKeepAliveSeconds(10);
			observed.add(List.of(executor.getCorePoolSize(), pool.getCorePoolSize(), executor.getMaxPoolSize(),
					pool.getMaximumPoolSize(), executor.getKeepAliveSeconds(),
					pool.getKeepAliveTime(TimeUnit.SECONDS)));
		});
		assertThat(outcome).hasSize(5);
		assertThat(outcome.subList(0, 3))
			.allSatisfy((failure) -> assertThat((String) failure).startsWith("java.lang.IllegalArgumentException"));
		assertThat(outcome.get(3)).isEqualTo(List.of(1, 1, 1, 1, 60, 60L));
		assertThat(outcome.get(4)).isEqualTo(List.of(0, 0, 5, 5, 10, 10L));
	}

	@Test
	void activeCountPoolSizeAndQueueSizeReportRunningAndQueuedTasks() {
		List<Object> outcome = differential().outcome((context, observed) -> {
			ThreadPoolTaskExecutor executor = executor(context);
			observed.add(report(executor));
			Task running = Task.blocking("running");
			executor.execute(running);
			running.awaitStarted();
			executor.execute(Task.succeeding("queued execute"));
			Future<?> queued = executor.submit((Runnable) Task.succeeding("queued submit"));
			observed.add(report(executor));
			running.release.countDown();
			observed.add(queued.get(30, TimeUnit.SECONDS));
			// A worker counts a task completed just before it stops counting as active.
			await().atMost(SpringExecutorProbe.TIMEOUT)
				.until(() -> executor.getThreadPoolExecutor().getCompletedTaskCount() == 3
						&& executor.getActiveCount() == 0);
			observed.add(report(executor));
		});
		assertThat(outcome).containsExactly(List.of(0, 0, 0), List.of(1, 1, 2), null, List.of(0, 1, 0));
	}

	@Test
	void queueCapacityChangedWhileRunningTakesEffectOnReinitialization() {
		List<Object> outcome = differential().outcome((context, observed) -> {
			ThreadPoolTaskExecutor executor = executor(context);
			executor.setQueueCapacity(0);
			observed.add(queue(executor));
			executor.afterPropertiesSet();
			observed.add(queue(executor));
			Task running = Task.blocking("running");
			executor.execute(running);
			running.awaitStarted();
			observed.add(Differential.failure(() -> executor.execute(Task.succeeding("rejected execute"))));
			observed.add(Differential.failure(() -> executor.submit((Runnable) Task.succeeding("rejected submit"))));
			running.release.countDown();
			observed.add(running.awaitThread());
		});
		assertThat(outcome).hasSize(5);
		assertThat(outcome.subList(0, 2)).containsExactly(List.of(0, "LinkedBlockingQueue", Integer.MAX_VALUE),
				List.of(0, "SynchronousQueue", 0));
		assertThat((String) outcome.get(2)).startsWith("org.springframework.core.task.TaskRejectedException: ")
			.contains("did not accept task: task rejected execute")
			.contains("java.util.concurrent.RejectedExecutionException");
		assertThat((String) outcome.get(3)).startsWith("org.springframework.core.task.TaskRejectedException: ")
			.contains("did not accept task: task rejected submit");
		assertThat(outcome.get(4)).isEqualTo("suite-1");
	}

	private static List<Object> report(ThreadPoolTaskExecutor executor) {
		return List.of(executor.getActiveCount(), executor.getPoolSize(), executor.getQueueSize());
	}

	private static List<Object> queue(ThreadPoolTaskExecutor executor) {
		return List.of(executor.getQueueCapacity(),
				executor.getThreadPoolExecutor().getQueue().getClass().getSimpleName(),
				executor.getThreadPoolExecutor().getQueue().remainingCapacity());
	}

	private Differential differential() {
		return Differential.executors(this.contextRunner, "executor");
	}

	private static ThreadPoolTaskExecutor executor(AssertableApplicationContext context) {
		return context.getBean("executor", ThreadPoolTaskExecutor.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class PoolConfiguration {

		@Bean
		SpringExecutorProbe probe() {
			return new SpringExecutorProbe();
		}

		// Built as Spring's ThreadPoolTaskExecutorTests builds it.
		@Bean
		ThreadPoolTaskExecutor executor(SpringExecutorProbe probe) {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setThreadFactory(probe.threadFactory(SpringExecutorProbe.PREFIX));
			executor.setMaxPoolSize(1);
			return executor;
		}

	}

}
