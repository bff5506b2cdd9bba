package io.github.leakedtasks.autoconfigure;

import java.lang.reflect.Method;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.autoconfigure.SpringExecutorProbe.Call;
import io.github.leakedtasks.autoconfigure.SpringExecutorProbe.Task;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Executors on virtual threads, as Spring Framework's
 * {@code VirtualThreadTaskExecutorTests} builds them, and the JDK's own: results,
 * failures, cancellation and the threads tasks run on, with executor beans that the
 * auto-configuration wraps: every scenario observes the same with leaked-tasks enabled as
 * disabled. The Java 21 API is reached by reflection: the project compiles for Java 17.
 */
class SpringExecutorVirtualThreadBehaviourTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class));

	@BeforeEach
	void virtualThreadsAreAvailable() {
		assumeTrue(Runtime.version().feature() >= 21, "virtual threads need Java 21");
	}

	@ParameterizedTest
	@EnumSource
	void tasksRunOnVirtualThreadsAndDeliverTheirResults(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			Object executor = context.getBean("executor");
			Task executed = Task.succeeding("execute");
			((Executor) executor).execute(executed);
			observed.add(executed.awaitThread());
			observed.add(submit(executor, (Runnable) Task.succeeding("runnable")).get(30, TimeUnit.SECONDS));
			observed.add(submit(executor, (Callable<String>) SpringExecutorVirtualThreadBehaviourTests::thread).get(30,
					TimeUnit.SECONDS));
		});
		assertThat(outcome).hasSize(3);
		assertThat((String) outcome.get(0)).startsWith(kind.threadName.trim());
		assertThat(outcome.get(1)).isNull();
		assertThat((String) outcome.get(2)).startsWith(kind.threadName).endsWith(" virtual");
	}

	@ParameterizedTest
	@EnumSource
	void failuresOfVirtualThreadsAreDeliveredByTheFuture(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			Object executor = context.getBean("executor");
			Future<?> runnable = submit(executor, (Runnable) Task.failing("runnable"));
			observed.add(Differential.failure(() -> runnable.get(30, TimeUnit.SECONDS)));
			Future<String> callable = submit(executor, (Callable<String>) Task.failing("callable"));
			observed.add(Differential.failure(() -> callable.get(30, TimeUnit.SECONDS)));
			observed.add(List.of(runnable.isDone(), runnable.isCancelled(), callable.isDone(), callable.isCancelled()));
		});
		assertThat((String) outcome.get(0)).startsWith(
				"java.util.concurrent.ExecutionException: java.lang.IllegalStateException: runnable failed on ");
		assertThat((String) outcome.get(1)).startsWith(
				"java.util.concurrent.ExecutionException: java.lang.IllegalStateException: callable failed on ");
		assertThat(outcome.get(2)).isEqualTo(List.of(true, false, true, false));
	}

	@ParameterizedTest
	@EnumSource
	void cancellingFutureInterruptsItsVirtualThread(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			Task task = Task.blocking("cancelled");
			Future<String> future = submit(context.getBean("executor"), (Callable<String>) task);
			task.awaitStarted();
			observed.add(future.cancel(true));
			task.awaitInterrupted();
			observed.add(List.of(future.isCancelled(), future.isDone()));
			observed.add(Differential.failure(() -> future.get(30, TimeUnit.SECONDS)));
		});
		assertThat(outcome).hasSize(3).startsWith(true, List.of(true, true));
		assertThat((String) outcome.get(2)).startsWith("java.util.concurrent.CancellationException");
	}

	@ParameterizedTest
	@EnumSource(names = { "THREAD_POOL_TASK_EXECUTOR", "SIMPLE_ASYNC_TASK_EXECUTOR" })
	void completableSubmissionsCompleteOnVirtualThreads(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			AsyncTaskExecutor executor = context.getBean("executor", AsyncTaskExecutor.class);
			observed
				.add(executor.submitCompletable((Callable<String>) SpringExecutorVirtualThreadBehaviourTests::thread)
					.get(30, TimeUnit.SECONDS));
			observed.add(Differential
				.failure(() -> executor.submitCompletable((Callable<String>) Task.failing("completable")).join()));
		});
		assertThat((String) outcome.get(0)).startsWith(kind.threadName).endsWith(" virtual");
		assertThat((String) outcome.get(1)).startsWith("java.util.concurrent.CompletionException: "
				+ "java.lang.IllegalStateException: completable failed on " + kind.threadName);
	}

	@Test
	void closingVirtualThreadPerTaskExecutorWaitsForItsTasks() {
		List<Object> outcome = differential(Kind.VIRTUAL_THREAD_PER_TASK_EXECUTOR).outcome((context, observed) -> {
			ExecutorService executor = context.getBean("executor", ExecutorService.class);
			Task running = Task.blocking("running");
			Future<String> future = executor.submit((Callable<String>) running);
			running.awaitStarted();
			// ExecutorService is AutoCloseable since Java 19.
			Call close = Call.start("close", ((AutoCloseable) executor)::close);
			close.awaitWaiting();
			observed.add(List.of(close.isDone(), executor.isShutdown()));
			observed.add(Differential.failure(() -> executor.execute(Task.succeeding("late"))));
			running.release.countDown();
			observed.add(close.awaitOutcome());
			observed.add(
					List.of(future.get(30, TimeUnit.SECONDS), running.interrupted.getCount(), executor.isTerminated()));
		});
		assertThat(outcome).hasSize(4).startsWith(List.of(false, true));
		assertThat((String) outcome.get(1)).startsWith("java.util.concurrent.RejectedExecutionException");
		assertThat(outcome.subList(2, 4)).containsExactly("returned", List.of("", 1L, true));
	}

	private static String thread() throws ReflectiveOperationException {
		Thread thread = Thread.currentThread();
		boolean virtual = (boolean) Thread.class.getMethod("isVirtual").invoke(thread);
		return thread.getName() + (virtual ? " virtual" : " platform");
	}

	private static Future<?> submit(Object executor, Runnable task) {
		return (executor instanceof ExecutorService service) ? service.submit(task)
				: ((AsyncTaskExecutor) executor).submit(task);
	}

	private static <T> Future<T> submit(Object executor, Callable<T> task) {
		return (executor instanceof ExecutorService service) ? service.submit(task)
				: ((AsyncTaskExecutor) executor).submit(task);
	}

	private Differential differential(Kind kind) {
		return Differential.executors(this.contextRunner.withUserConfiguration(kind.configuration), "executor");
	}

	/**
	 * The executors on virtual threads, and how the names of their threads begin (the
	 * JDK's own are unnamed).
	 */
	enum Kind {

		THREAD_POOL_TASK_EXECUTOR(ThreadPoolTaskExecutorConfiguration.class, SpringExecutorProbe.PREFIX),

		SIMPLE_ASYNC_TASK_EXECUTOR(SimpleAsyncTaskExecutorConfiguration.class, SpringExecutorProbe.PREFIX),

		VIRTUAL_THREAD_PER_TASK_EXECUTOR(VirtualThreadPerTaskExecutorConfiguration.class, " ");

		private final Class<?> configuration;

		private final String threadName;

		Kind(Class<?> configuration, String threadName) {
			this.configuration = configuration;
			this.threadName = threadName;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ThreadPoolTaskExecutorConfiguration {

		@Bean
		AsyncTaskExecutor executor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			// Not a thread factory: setting one turns virtual threads off.
			executor.setThreadNamePrefix(SpringExecutorProbe.PREFIX);
			executor.setVirtualThreads(true);
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SimpleAsyncTaskExecutorConfiguration {

		// Declared by an interface: declared as its class, a SimpleAsyncTaskExecutor is
		// left unwrapped, as a proxy would break its final methods (ExecutorProxies).
		@Bean
		AsyncTaskExecutor executor() {
			SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor(SpringExecutorProbe.PREFIX);
			executor.setVirtualThreads(true);
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class VirtualThreadPerTaskExecutorConfiguration {

		@Bean
		ExecutorService executor() throws ReflectiveOperationException {
			Method factory = Executors.class.getMethod("newVirtualThreadPerTaskExecutor");
			return (ExecutorService) factory.invoke(null);
		}

	}

}
