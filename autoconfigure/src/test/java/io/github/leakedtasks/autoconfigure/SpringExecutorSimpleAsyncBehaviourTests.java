package io.github.leakedtasks.autoconfigure;

import java.util.List;
import java.util.Objects;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.leakedtasks.autoconfigure.SpringExecutorProbe.Call;
import io.github.leakedtasks.autoconfigure.SpringExecutorProbe.Task;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.TaskRejectedException;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The behaviours Spring Framework's {@code SimpleAsyncTaskExecutorTests} checks: the
 * concurrency limit, which makes callers wait or rejects their tasks, and
 * {@code close()}, which rejects later tasks and waits for, interrupts or cancels the
 * remaining ones, on a {@link SimpleAsyncTaskExecutor} bean that the auto-configuration
 * wraps: every scenario observes the same with leaked-tasks enabled as disabled.
 */
class SpringExecutorSimpleAsyncBehaviourTests {

	private static final String REJECTED = "org.springframework.core.task.TaskRejectedException: ";

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
		.withUserConfiguration(SimpleAsyncConfiguration.class);

	@Test
	void noConcurrencyRejectsEveryTask() {
		List<Object> outcome = differential("suite.concurrency-limit=0").outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			observed.add(Differential.failure(() -> executor.execute(Task.succeeding("execute"))));
			observed.add(Differential.failure(() -> executor.submit((Runnable) Task.succeeding("submit"))));
			observed.add(Differential
				.failure(() -> executor.submitCompletable((Callable<String>) Task.succeeding("completable"))));
		});
		assertThat(outcome).hasSize(3).allSatisfy((failure) -> assertThat((String) failure).startsWith(REJECTED));
	}

	@Test
	void concurrencyLimitMakesCallerWaitForPermit() {
		List<Object> outcome = differential("suite.concurrency-limit=1").outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			Task first = Task.blocking("first");
			executor.execute(first);
			first.awaitStarted();
			Task second = Task.succeeding("second");
			AtomicReference<Future<String>> future = new AtomicReference<>();
			Call submit = Call.start("submit", () -> future.set(executor.submit((Callable<String>) second)));
			submit.awaitWaiting();
			observed.add(List.of(submit.isDone(), second.started.getCount()));
			first.release.countDown();
			observed.add(submit.awaitOutcome());
			observed.add(List.of(first.awaitThread(), future.get().get(30, TimeUnit.SECONDS)));
		});
		assertThat(outcome).containsExactly(List.of(false, 1L), "returned", List.of("suite-1", "suite-2"));
	}

	@Test
	void concurrencyLimitReachedRejectsTasksWhenConfiguredTo() {
		List<Object> outcome = differential("suite.concurrency-limit=1", "suite.reject-when-limit-reached=true")
			.outcome((context, observed) -> {
				AsyncTaskExecutor executor = executor(context);
				Task first = Task.blocking("first");
				executor.execute(first);
				first.awaitStarted();
				observed.add(Differential.failure(() -> executor.execute(Task.succeeding("execute"))));
				observed.add(Differential.failure(() -> executor.submit((Runnable) Task.succeeding("submit"))));
				first.release.countDown();
				observed.add(first.awaitThread());
				// The permit comes back just after the task ends.
				Future<String> after = await().atMost(SpringExecutorProbe.TIMEOUT)
					.ignoreException(TaskRejectedException.class)
					.until(() -> executor.submit((Callable<String>) Task.succeeding("after")), Objects::nonNull);
				observed.add(after.get(30, TimeUnit.SECONDS));
			});
		assertThat(outcome).containsExactly(REJECTED + "Concurrency limit reached: 1",
				REJECTED + "Concurrency limit reached: 1", "suite-1", "suite-2");
	}

	@Test
	void closedExecutorRejectsTasks() {
		List<Object> outcome = differential().outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			((AutoCloseable) executor).close();
			observed.add(Differential.failure(() -> executor.execute(Task.succeeding("execute"))));
			observed.add(Differential.failure(() -> executor.submit((Runnable) Task.succeeding("submit"))));
		});
		assertThat(outcome).containsExactly(REJECTED + "SimpleAsyncTaskExecutor is not active",
				REJECTED + "SimpleAsyncTaskExecutor is not active");
	}

	@Test
	void closeWaitsForRunningTaskWithinTerminationTimeout() {
		List<Object> outcome = differential("suite.task-termination-timeout=30000").outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			Task running = Task.blocking("running");
			Future<String> future = executor.submit((Callable<String>) running);
			running.awaitStarted();
			Call close = Call.start("close", ((AutoCloseable) executor)::close);
			close.awaitWaiting();
			observed.add(close.isDone());
			running.release.countDown();
			observed.add(close.awaitOutcome());
			observed.add(List.of(future.get(30, TimeUnit.SECONDS), running.interrupted.getCount()));
		});
		assertThat(outcome).containsExactly(false, "returned", List.of("suite-1", 1L));
	}

	@Test
	void closeInterruptsTaskStillRunningAfterTerminationTimeout() {
		List<Object> outcome = differential("suite.task-termination-timeout=200").outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			Task running = Task.blocking("running");
			Future<String> future = executor.submit((Callable<String>) running);
			running.awaitStarted();
			((AutoCloseable) executor).close();
			running.awaitInterrupted();
			observed.add(future.get(30, TimeUnit.SECONDS));
		});
		assertThat(outcome).containsExactly("interrupted");
	}

	@Test
	void closeInterruptsRunningTaskAtOnceWhenCancellingRemainingTasks() {
		List<Object> outcome = differential("suite.cancel-remaining-tasks-on-close=true")
			.outcome((context, observed) -> {
				AsyncTaskExecutor executor = executor(context);
				Task running = Task.blocking("running");
				Future<String> future = executor.submit((Callable<String>) running);
				running.awaitStarted();
				((AutoCloseable) executor).close();
				running.awaitInterrupted();
				observed.add(future.get(30, TimeUnit.SECONDS));
			});
		assertThat(outcome).containsExactly("interrupted");
	}

	@Test
	void taskNotStartedBeforeCloseIsCancelled() {
		List<Object> outcome = differential("suite.task-termination-timeout=100", "suite.capture=true")
			.outcome((context, observed) -> {
				AsyncTaskExecutor executor = executor(context);
				Future<?> future = executor.submit((Runnable) Task.succeeding("captured"));
				((AutoCloseable) executor).close();
				List<Runnable> captured = context.getBean(Captured.class).tasks;
				observed.add(captured.size());
				observed.add(Differential.failure(() -> captured.get(0).run()));
				observed.add(List.of(future.isCancelled(), future.isDone()));
				observed.add(Differential.failure(() -> future.get(30, TimeUnit.SECONDS)));
			});
		assertThat(outcome).hasSize(4)
			.startsWith(1,
					"java.util.concurrent.CancellationException: CapturingExecutor has cancelled all remaining tasks",
					List.of(true, true));
		assertThat((String) outcome.get(3)).startsWith("java.util.concurrent.CancellationException");
	}

	@Test
	void futureTaskExecutedButNotStartedBeforeCloseIsCancelled() {
		List<Object> outcome = differential("suite.task-termination-timeout=100", "suite.capture=true")
			.outcome((context, observed) -> {
				AsyncTaskExecutor executor = executor(context);
				FutureTask<String> future = new FutureTask<>(Task.succeeding("captured"));
				executor.execute(future);
				((AutoCloseable) executor).close();
				List<Runnable> captured = context.getBean(Captured.class).tasks;
				observed.add(Differential.failure(() -> captured.get(0).run()));
				observed.add(List.of(future.isCancelled(), future.isDone()));
			});
		assertThat(outcome).containsExactly(
				"java.util.concurrent.CancellationException: CapturingExecutor has cancelled all remaining tasks",
				List.of(true, true));
	}

	private Differential differential(String... properties) {
		return Differential.executors(this.contextRunner.withPropertyValues(properties), "executor");
	}

	private static AsyncTaskExecutor executor(AssertableApplicationContext context) {
		return context.getBean("executor", AsyncTaskExecutor.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class SimpleAsyncConfiguration {

		@Bean
		SpringExecutorProbe probe() {
			return new SpringExecutorProbe();
		}

		@Bean
		Captured captured() {
			return new Captured();
		}

		// Declared by an interface: declared as its class, a SimpleAsyncTaskExecutor is
		// left unwrapped, as a proxy would break its final methods (ExecutorProxies).
		@Bean
		AsyncTaskExecutor executor(SpringExecutorProbe probe, Captured captured, Environment environment) {
			SimpleAsyncTaskExecutor executor = environment.getProperty("suite.capture", Boolean.class, false)
					? new CapturingExecutor(captured) : new SimpleAsyncTaskExecutor();
			executor.setThreadFactory(probe.threadFactory(SpringExecutorProbe.PREFIX));
			executor.setConcurrencyLimit(environment.getProperty("suite.concurrency-limit", Integer.class,
					SimpleAsyncTaskExecutor.UNBOUNDED_CONCURRENCY));
			executor.setRejectTasksWhenLimitReached(
					environment.getProperty("suite.reject-when-limit-reached", Boolean.class, false));
			executor
				.setTaskTerminationTimeout(environment.getProperty("suite.task-termination-timeout", Long.class, 0L));
			executor.setCancelRemainingTasksOnClose(
					environment.getProperty("suite.cancel-remaining-tasks-on-close", Boolean.class, false));
			return executor;
		}

	}

	/**
	 * The tasks a {@link CapturingExecutor} was given.
	 */
	static final class Captured {

		final List<Runnable> tasks = new CopyOnWriteArrayList<>();

	}

	/**
	 * Keeps its tasks instead of starting them, as in Spring's
	 * {@code taskTerminationTimeoutWithImmediateCancel}.
	 */
	public static class CapturingExecutor extends SimpleAsyncTaskExecutor {

		private final transient Captured captured;

		CapturingExecutor(Captured captured) {
			this.captured = captured;
		}

		@Override
		protected void doExecute(Runnable task) {
			this.captured.tasks.add(task);
		}

	}

}
