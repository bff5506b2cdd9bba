package io.github.leakedtasks.autoconfigure;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.autoconfigure.SpringExecutorProbe.Call;
import io.github.leakedtasks.autoconfigure.SpringExecutorProbe.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * How a {@link ThreadPoolTaskExecutor} bean that the auto-configuration wraps ends and
 * pauses: a graceful shutdown that waits for its tasks, alone or as the context closes,
 * tasks accepted or rejected while the context closes, and the lifecycle's stop and start
 * that pause and resume it, as Spring Framework's {@code EnableAsyncTests} and
 * {@code EnableSchedulingTests} use them: every scenario observes the same with
 * leaked-tasks enabled as disabled.
 */
class SpringExecutorShutdownBehaviourTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
		.withUserConfiguration(ShutdownConfiguration.class);

	@Test
	void gracefulShutdownWaitsForRunningAndQueuedTasks() {
		List<Object> outcome = differential("suite.wait-for-tasks=true", "suite.await-termination-seconds=30")
			.outcome((context, observed) -> {
				ThreadPoolTaskExecutor executor = executor(context);
				Task running = Task.blocking("running");
				Future<String> first = executor.submit((Callable<String>) running);
				running.awaitStarted();
				Future<String> queued = executor.submit((Callable<String>) Task.succeeding("queued"));
				Call shutdown = Call.start("shutdown", executor::shutdown);
				await().atMost(SpringExecutorProbe.TIMEOUT).until(() -> executor.getThreadPoolExecutor().isShutdown());
				shutdown.awaitWaiting();
				observed.add(shutdown.isDone());
				observed.add(Differential.failure(() -> executor.execute(Task.succeeding("late"))));
				running.release.countDown();
				observed.add(shutdown.awaitOutcome());
				observed.add(List.of(first.get(30, TimeUnit.SECONDS), queued.get(30, TimeUnit.SECONDS)));
				observed.add(List.of(running.interrupted.getCount(), executor.getThreadPoolExecutor().isTerminated()));
			});
		// ThreadPoolTaskExecutor's pool is a subclass of ThreadPoolExecutor of its own.
		assertThat(outcome).containsExactly(false,
				"org.springframework.core.task.TaskRejectedException: ExecutorService in shutdown state "
						+ "did not accept task: task late <- java.util.concurrent.RejectedExecutionException: "
						+ "Task task late rejected from org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor$1@"
						+ "[Shutting down, pool size = 1, active threads = 1, queued tasks = 1, completed tasks = 0]",
				"returned", List.of("suite-1", "suite-1"), List.of(1L, true));
	}

	@Test
	void contextCloseWaitsForRunningTaskOfGracefulExecutor() {
		List<Object> outcome = differential("suite.wait-for-tasks=true", "suite.await-termination-seconds=30")
			.outcome((context, observed) -> {
				ThreadPoolTaskExecutor executor = executor(context);
				Task running = Task.blocking("running");
				Future<String> first = executor.submit((Callable<String>) running);
				running.awaitStarted();
				Call close = Call.start("close", context::close);
				await().atMost(SpringExecutorProbe.TIMEOUT).until(() -> executor.getThreadPoolExecutor().isShutdown());
				close.awaitWaiting();
				observed.add(close.isDone());
				running.release.countDown();
				observed.add(close.awaitOutcome());
				observed.add(first.get(30, TimeUnit.SECONDS));
				observed.add(List.of(running.interrupted.getCount(), executor.getThreadPoolExecutor().isTerminated()));
			});
		assertThat(outcome).containsExactly(false, "returned", "suite-1", List.of(1L, true));
	}

	@Test
	void futureTaskExecutedAndStillQueuedIsCancelledByShutdown() {
		List<Object> outcome = differential().outcome((context, observed) -> {
			ThreadPoolTaskExecutor executor = executor(context);
			Task running = Task.blocking("running");
			executor.execute(running);
			running.awaitStarted();
			// CompletableFuture.runAsync(task, executor) hands execute() a Future too.
			FutureTask<String> queued = new FutureTask<>(Task.succeeding("queued"));
			executor.execute(queued);
			executor.shutdown();
			running.awaitInterrupted();
			observed.add(List.of(queued.isCancelled(), queued.isDone()));
			observed.add(Differential.failure(() -> queued.get(1, TimeUnit.SECONDS)));
		});
		assertThat(outcome).hasSize(2).startsWith(List.of(true, true));
		assertThat((String) outcome.get(1)).startsWith("java.util.concurrent.CancellationException");
	}

	@Test
	void contextCloseWaitsInLifecycleStopForRunningTaskByDefault() {
		List<Object> outcome = differential().outcome((context, observed) -> {
			ThreadPoolTaskExecutor executor = executor(context);
			Task running = Task.blocking("running");
			Future<String> first = executor.submit((Callable<String>) running);
			running.awaitStarted();
			Call close = Call.start("close", context::close);
			await().atMost(SpringExecutorProbe.TIMEOUT).until(() -> !executor.isRunning());
			close.awaitWaiting();
			observed.add(List.of(close.isDone(), executor.getThreadPoolExecutor().isShutdown()));
			running.release.countDown();
			observed.add(close.awaitOutcome());
			observed.add(first.get(30, TimeUnit.SECONDS));
			observed.add(List.of(running.interrupted.getCount(), executor.getThreadPoolExecutor().isShutdown()));
		});
		assertThat(outcome).containsExactly(List.of(false, false), "returned", "suite-1", List.of(1L, true));
	}

	@ParameterizedTest
	@ValueSource(booleans = { true, false })
	void tasksSubmittedAsContextClosesAreRejectedByStrictEarlyShutdownUnlessAccepted(boolean accept) {
		ApplicationContextRunner runner = this.contextRunner.withUserConfiguration(LateSubmitterConfiguration.class)
			.withPropertyValues("suite.strict-early-shutdown=true", "suite.accept-after-close=" + accept);
		List<Object> outcome = Differential.executors(runner, "executor").outcome((context, observed) -> {
			LateSubmitter submitter = context.getBean(LateSubmitter.class);
			context.close();
			observed.add(submitter.outcome);
		});
		if (accept) {
			assertThat(outcome).containsExactly("suite-1");
		}
		else {
			assertThat(outcome).singleElement()
				.asString()
				.startsWith("org.springframework.core.task.TaskRejectedException: ExecutorService in shutdown state "
						+ "did not accept task: task late <- java.util.concurrent.RejectedExecutionException: ");
		}
	}

	@Test
	void stoppedContextPausesExecutorUntilStarted() {
		List<Object> outcome = differential().outcome((context, observed) -> {
			ThreadPoolTaskExecutor executor = executor(context);
			observed.add(executor.submit((Callable<String>) Task.succeeding("before")).get(30, TimeUnit.SECONDS));
			context.stop();
			observed.add(executor.isRunning());
			Task paused = Task.succeeding("paused");
			Future<String> future = executor.submit((Callable<String>) paused);
			// Spring's EnableAsyncTests: the task of a paused executor does not start.
			observed.add(Differential.failure(() -> future.get(100, TimeUnit.MILLISECONDS)));
			observed.add(paused.started.getCount());
			context.start();
			observed.add(executor.isRunning());
			observed.add(future.get(30, TimeUnit.SECONDS));
		});
		assertThat(outcome).containsExactly("suite-1", false, "java.util.concurrent.TimeoutException: null", 1L, true,
				"suite-1");
	}

	@Test
	void stoppingContextWaitsForRunningTask() {
		List<Object> outcome = differential().outcome((context, observed) -> {
			ThreadPoolTaskExecutor executor = executor(context);
			Task running = Task.blocking("running");
			executor.execute(running);
			running.awaitStarted();
			Call stop = Call.start("stop", context::stop);
			await().atMost(SpringExecutorProbe.TIMEOUT).until(() -> !executor.isRunning());
			stop.awaitWaiting();
			observed.add(stop.isDone());
			running.release.countDown();
			observed.add(stop.awaitOutcome());
			observed.add(List.of(running.awaitThread(), running.interrupted.getCount()));
			context.start();
			observed.add(executor.submit((Callable<String>) Task.succeeding("after")).get(30, TimeUnit.SECONDS));
		});
		assertThat(outcome).containsExactly(false, "returned", List.of("suite-1", 1L), "suite-1");
	}

	private Differential differential(String... properties) {
		return Differential.executors(this.contextRunner.withPropertyValues(properties), "executor");
	}

	private static ThreadPoolTaskExecutor executor(AssertableApplicationContext context) {
		return context.getBean("executor", ThreadPoolTaskExecutor.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class ShutdownConfiguration {

		@Bean
		SpringExecutorProbe probe() {
			return new SpringExecutorProbe();
		}

		@Bean
		ThreadPoolTaskExecutor executor(SpringExecutorProbe probe, Environment environment) {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setThreadFactory(probe.threadFactory(SpringExecutorProbe.PREFIX));
			executor.setMaxPoolSize(1);
			executor.setWaitForTasksToCompleteOnShutdown(
					environment.getProperty("suite.wait-for-tasks", Boolean.class, false));
			executor.setAwaitTerminationSeconds(
					environment.getProperty("suite.await-termination-seconds", Integer.class, 0));
			executor.setAcceptTasksAfterContextClose(
					environment.getProperty("suite.accept-after-close", Boolean.class, false));
			executor
				.setStrictEarlyShutdown(environment.getProperty("suite.strict-early-shutdown", Boolean.class, false));
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class LateSubmitterConfiguration {

		// Destroyed before the executor it depends on, after the close event.
		@Bean
		LateSubmitter lateSubmitter(AsyncTaskExecutor executor) {
			return new LateSubmitter(executor);
		}

	}

	/**
	 * Submits a task as the context closes, as a bean's destroy method may.
	 */
	static final class LateSubmitter implements DisposableBean {

		private final AsyncTaskExecutor executor;

		volatile String outcome;

		LateSubmitter(AsyncTaskExecutor executor) {
			this.executor = executor;
		}

		@Override
		public void destroy() {
			try {
				this.outcome = this.executor.submit((Callable<String>) Task.succeeding("late"))
					.get(SpringExecutorProbe.TIMEOUT.toSeconds(), TimeUnit.SECONDS);
			}
			catch (Exception ex) {
				this.outcome = Differential.describe(ex);
			}
		}

	}

}
