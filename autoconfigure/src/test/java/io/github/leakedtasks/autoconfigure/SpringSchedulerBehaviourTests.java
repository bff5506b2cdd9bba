package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.leakedtasks.autoconfigure.SpringExecutorProbe.Task;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.scheduling.TaskScheduler;
import org.springframework.scheduling.Trigger;
import org.springframework.scheduling.concurrent.SimpleAsyncTaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The behaviours Spring Framework's {@code ThreadPoolTaskSchedulerTests} and
 * {@code SimpleAsyncTaskSchedulerTests} check beyond their executor suite: one-time,
 * trigger and fixed-rate tasks, with and without an {@code ErrorHandler}, on scheduler
 * beans that the auto-configuration wraps: every scenario observes the same with
 * leaked-tasks enabled as disabled.
 */
class SpringSchedulerBehaviourTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class));

	@ParameterizedTest
	@ValueSource(classes = { ThreadPoolTaskSchedulerConfiguration.class, SimpleAsyncTaskSchedulerConfiguration.class })
	void oneTimeTaskRunsDecoratedOnSchedulerThread(Class<?> configuration) {
		List<Object> outcome = differential(configuration, true).outcome((context, observed) -> {
			Task task = Task.succeeding("once");
			ScheduledFuture<?> future = scheduler(context).schedule(task, Instant.now());
			observed.add(future.get(30, TimeUnit.SECONDS));
			observed.add(future.isDone());
			observed.add(task.awaitThread());
			observed.add(context.getBean(SpringExecutorProbe.class).decorated.isEmpty());
		});
		assertThat(outcome).hasSize(4).startsWith(null, true).endsWith(false);
		// SimpleAsyncTaskScheduler's own scheduling thread comes first.
		assertThat((String) outcome.get(2)).startsWith(SpringExecutorProbe.PREFIX);
	}

	@ParameterizedTest
	@ValueSource(classes = { ThreadPoolTaskSchedulerConfiguration.class, SimpleAsyncTaskSchedulerConfiguration.class })
	void oneTimeFailureGoesToErrorHandlerAndFutureDeliversNull(Class<?> configuration) {
		List<Object> outcome = differential(configuration, true).outcome((context, observed) -> {
			Task task = Task.failing("once");
			ScheduledFuture<?> future = scheduler(context).schedule(task, Instant.now());
			observed.add(future.get(30, TimeUnit.SECONDS));
			Throwable failure = context.getBean(SpringExecutorProbe.class).awaitFailure();
			observed.add(Differential.describe(failure));
			observed.add(failure == task.thrown);
		});
		assertThat(outcome).hasSize(3).endsWith(true);
		assertThat(outcome.get(0)).isNull();
		assertThat((String) outcome.get(1))
			.startsWith("java.lang.IllegalStateException: once failed on " + SpringExecutorProbe.PREFIX);
	}

	@ParameterizedTest
	@ValueSource(classes = ThreadPoolTaskSchedulerConfiguration.class)
	void oneTimeFailureWithoutErrorHandlerIsDeliveredByFuture(Class<?> configuration) {
		List<Object> outcome = differential(configuration, false).outcome((context, observed) -> {
			ScheduledFuture<?> future = scheduler(context).schedule(Task.failing("once"), Instant.now());
			observed.add(Differential.failure(() -> future.get(30, TimeUnit.SECONDS)));
			observed.add(future.isDone());
		});
		assertThat(outcome).containsExactly("java.util.concurrent.ExecutionException: java.lang.IllegalStateException: "
				+ "once failed on suite-1 <- java.lang.IllegalStateException: once failed on suite-1", true);
	}

	@ParameterizedTest
	@ValueSource(classes = { ThreadPoolTaskSchedulerConfiguration.class, SimpleAsyncTaskSchedulerConfiguration.class })
	void triggerTaskRunsUntilTriggerEnds(Class<?> configuration) {
		List<Object> outcome = differential(configuration, true).outcome((context, observed) -> {
			CountDownLatch runs = new CountDownLatch(3);
			AtomicInteger executions = new AtomicInteger();
			Trigger trigger = (triggerContext) -> (executions.incrementAndGet() > 3) ? null : Instant.now();
			ScheduledFuture<?> future = scheduler(context).schedule(runs::countDown, trigger);
			observed.add(runs.await(30, TimeUnit.SECONDS));
			observed.add(future.get(30, TimeUnit.SECONDS));
			observed.add(runs.getCount());
		});
		assertThat(outcome).containsExactly(true, null, 0L);
	}

	@ParameterizedTest
	@ValueSource(classes = { ThreadPoolTaskSchedulerConfiguration.class, SimpleAsyncTaskSchedulerConfiguration.class })
	void fixedRateTaskGoesOnAfterFailuresUntilCancelled(Class<?> configuration) {
		List<Object> outcome = differential(configuration, true).outcome((context, observed) -> {
			SpringExecutorProbe probe = context.getBean(SpringExecutorProbe.class);
			ScheduledFuture<?> future = scheduler(context).scheduleAtFixedRate(() -> {
				throw new IllegalStateException("periodic");
			}, Duration.ofMillis(10));
			probe.awaitFailures(3);
			observed.add(future.cancel(false));
			observed.add(List.of(future.isCancelled(), future.isDone()));
			observed.add(Differential.failure(() -> future.get(30, TimeUnit.SECONDS)));
			observed.add(Differential.describe(probe.failures.get(2)));
		});
		assertThat(outcome).hasSize(4).startsWith(true, List.of(true, true));
		assertThat((String) outcome.get(2)).startsWith("java.util.concurrent.CancellationException");
		assertThat(outcome.get(3)).isEqualTo("java.lang.IllegalStateException: periodic");
	}

	private Differential differential(Class<?> configuration, boolean errorHandler) {
		return Differential.executors(this.contextRunner.withUserConfiguration(configuration)
			.withPropertyValues("suite.error-handler=" + errorHandler), "executor");
	}

	private static TaskScheduler scheduler(
			org.springframework.boot.test.context.assertj.AssertableApplicationContext context) {
		return context.getBean("executor", TaskScheduler.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class ThreadPoolTaskSchedulerConfiguration {

		@Bean
		SpringExecutorProbe probe() {
			return new SpringExecutorProbe();
		}

		@Bean
		ThreadPoolTaskScheduler executor(SpringExecutorProbe probe, Environment environment) {
			ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
			scheduler.setThreadFactory(probe.threadFactory(SpringExecutorProbe.PREFIX));
			scheduler.setTaskDecorator(probe.decorator());
			if (environment.getProperty("suite.error-handler", Boolean.class, true)) {
				scheduler.setErrorHandler(probe::failed);
			}
			return scheduler;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SimpleAsyncTaskSchedulerConfiguration {

		@Bean
		SpringExecutorProbe probe() {
			return new SpringExecutorProbe();
		}

		// Declared by an interface: the class has final methods a proxy would break.
		@Bean
		TaskScheduler executor(SpringExecutorProbe probe, Environment environment) {
			SimpleAsyncTaskScheduler scheduler = new SimpleAsyncTaskScheduler();
			scheduler.setThreadFactory(probe.threadFactory(SpringExecutorProbe.PREFIX));
			scheduler.setTaskDecorator(probe.decorator());
			if (environment.getProperty("suite.error-handler", Boolean.class, true)) {
				scheduler.setErrorHandler(probe::failed);
			}
			return scheduler;
		}

	}

}
