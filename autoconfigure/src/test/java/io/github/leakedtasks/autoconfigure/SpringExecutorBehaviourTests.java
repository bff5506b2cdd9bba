package io.github.leakedtasks.autoconfigure;

import java.io.IOException;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import io.github.leakedtasks.autoconfigure.SpringExecutorProbe.Task;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import org.springframework.beans.factory.DisposableBean;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ConcurrentTaskExecutor;
import org.springframework.scheduling.concurrent.SimpleAsyncTaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;
import org.springframework.scheduling.support.DelegatingErrorHandlingRunnable;
import org.springframework.scheduling.support.TaskUtils;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The behaviours Spring Framework's {@code AbstractSchedulingTaskExecutorTests} checks,
 * with the executors its subclasses build ({@code ThreadPoolTaskExecutorTests},
 * {@code DecoratedThreadPoolTaskExecutorTests}, {@code ThreadPoolTaskSchedulerTests},
 * {@code SimpleAsyncTaskSchedulerTests}, {@code ConcurrentTaskExecutorTests}) and a
 * {@code SimpleAsyncTaskExecutor}, each an executor bean that the auto-configuration
 * wraps: every scenario observes the same with leaked-tasks enabled as disabled.
 */
class SpringExecutorBehaviourTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class));

	@ParameterizedTest
	@EnumSource
	void executedRunnableRunsOnThreadOfExecutor(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			Task task = Task.succeeding("execute");
			executor(context).execute(task);
			observed.add(task.awaitThread());
		});
		assertThat(outcome).containsExactly(SpringExecutorProbe.PREFIX + "1");
	}

	@ParameterizedTest
	@EnumSource
	void executedRunnableFailureReachesThreadOrErrorHandler(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			Task task = Task.failing("execute");
			executor(context).execute(task);
			Throwable failure = probe(context).awaitFailure();
			observed.add(Differential.describe(failure));
			observed.add(failure == task.thrown);
		});
		assertThat(outcome).containsExactly(
				"java.lang.IllegalStateException: execute failed on " + SpringExecutorProbe.PREFIX + "1", true);
	}

	@ParameterizedTest
	@EnumSource
	void submittedRunnableAndCallableDeliverTheirResults(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			Future<?> runnable = executor(context).submit((Runnable) Task.succeeding("runnable"));
			observed.add(runnable.get(30, TimeUnit.SECONDS));
			Future<String> callable = executor(context)
				.submit((java.util.concurrent.Callable<String>) Task.succeeding("callable"));
			observed.add(callable.get(30, TimeUnit.SECONDS));
			observed.add(List.of(runnable.isDone(), runnable.isCancelled(), callable.isDone(), callable.isCancelled()));
		});
		assertThat(outcome.get(0)).isNull();
		assertThat((String) outcome.get(1)).startsWith(SpringExecutorProbe.PREFIX);
		assertThat(outcome.get(2)).isEqualTo(List.of(true, false, true, false));
	}

	@ParameterizedTest
	@EnumSource
	void submittedFailuresAreDeliveredByTheFuture(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			Future<?> runnable = executor(context).submit((Runnable) Task.failing("runnable"));
			observed.add(Differential.failure(() -> runnable.get(30, TimeUnit.SECONDS)));
			observed.add(runnable.isDone());
			Future<String> callable = executor(context)
				.submit((java.util.concurrent.Callable<String>) Task.failing("callable"));
			observed.add(Differential.failure(() -> callable.get(30, TimeUnit.SECONDS)));
			observed.add(callable.isDone());
			observed.add(probe(context).failures.stream().map(Differential::describe).toList());
		});
		assertThat(outcome.get(1)).isEqualTo(true);
		assertThat(outcome.get(3)).isEqualTo(true);
		if (kind.handlesErrors) {
			// Spring's submitFailingRunnableWithErrorHandler: the handler has the
			// failure.
			assertThat(outcome.subList(0, 3)).containsExactly("returned", true, "returned");
			assertThat((List<?>) outcome.get(4)).hasSize(2);
		}
		else {
			assertThat((String) outcome.get(0)).startsWith("java.util.concurrent.ExecutionException: "
					+ "java.lang.IllegalStateException: runnable failed on " + SpringExecutorProbe.PREFIX);
			assertThat((String) outcome.get(2)).startsWith("java.util.concurrent.ExecutionException: "
					+ "java.lang.IllegalStateException: callable failed on " + SpringExecutorProbe.PREFIX);
			assertThat((List<?>) outcome.get(4)).isEmpty();
		}
	}

	@ParameterizedTest
	@EnumSource
	void completableSubmissionsCompleteTheirDependents(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			observed.add(whenComplete(executor.submitCompletable((Runnable) Task.succeeding("runnable"))));
			observed.add(whenComplete(
					executor.submitCompletable((java.util.concurrent.Callable<String>) Task.succeeding("callable"))));
			observed.add(whenComplete(executor.submitCompletable((Runnable) Task.failing("failing runnable"))));
			observed.add(whenComplete(executor
				.submitCompletable((java.util.concurrent.Callable<String>) Task.failing("failing callable"))));
		});
		assertThat(outcome.get(0)).isEqualTo("value: null");
		assertThat((String) outcome.get(1)).startsWith("value: " + SpringExecutorProbe.PREFIX);
		assertThat((String) outcome.get(2)).startsWith("failure: java.util.concurrent.CompletionException: "
				+ "java.lang.IllegalStateException: failing runnable failed on ");
		assertThat((String) outcome.get(3)).startsWith("failure: java.util.concurrent.CompletionException: "
				+ "java.lang.IllegalStateException: failing callable failed on ");
	}

	@ParameterizedTest
	@EnumSource
	void completableCallableFailuresReachCallersUnchanged(Kind kind) {
		List<Throwable> thrown = List.of(new IOException("checked"), new IllegalStateException("unchecked"),
				new AssertionError("error"), new CompletionException(new IOException("wrapped")),
				new CancellationException("by the task"));
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			for (Throwable failure : thrown) {
				CompletableFuture<String> future = executor.submitCompletable(() -> {
					throw SpringExecutorBehaviourTests.<RuntimeException>sneaky(failure);
				});
				await().atMost(SpringExecutorProbe.TIMEOUT).until(future::isDone);
				observed.add(Differential.failure(future::join));
				observed.add(Differential.failure(() -> future.get(30, TimeUnit.SECONDS)));
				observed.add(Differential.failure(() -> future.getNow("absent")));
				observed.add(
						future
							.handle((value, ex) -> ex.getClass().getName() + " of "
									+ ((ex.getCause() != null) ? ex.getCause() : ex).getMessage() + ", same: "
									+ (ex == failure || ex.getCause() == failure))
							.join());
				observed.add(List.of(future.isCompletedExceptionally(), future.isCancelled()));
			}
		});
		assertThat(outcome).hasSize(25);
		assertThat(outcome.subList(0, 5)).containsExactly(
				"java.util.concurrent.CompletionException: java.io.IOException: checked <- java.io.IOException: checked",
				"java.util.concurrent.ExecutionException: java.io.IOException: checked <- java.io.IOException: checked",
				"java.util.concurrent.CompletionException: java.io.IOException: checked <- java.io.IOException: checked",
				"java.util.concurrent.CompletionException of checked, same: true", List.of(true, false));
	}

	@ParameterizedTest
	@EnumSource(names = { "THREAD_POOL_TASK_EXECUTOR", "DECORATED_THREAD_POOL_TASK_EXECUTOR",
			"THREAD_POOL_TASK_SCHEDULER", "CONCURRENT_TASK_EXECUTOR" })
	void queuedCompletableDoesNotRunOnceItsFutureIsComplete(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			CountDownLatch started = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			Future<Boolean> blocker = executor.submit(() -> {
				started.countDown();
				return release.await(30, TimeUnit.SECONDS);
			});
			assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
			List<String> ran = new CopyOnWriteArrayList<>();
			CompletableFuture<String> cancelled = executor.submitCompletable(() -> {
				ran.add("cancelled");
				return "ran";
			});
			CompletableFuture<String> completed = executor.submitCompletable(() -> {
				ran.add("completed");
				return "ran";
			});
			CompletableFuture<String> failing = executor.submitCompletable(() -> {
				ran.add("failing");
				throw new IOException("after its future was completed");
			});
			observed.add(cancelled.cancel(true));
			observed.add(completed.complete("by the application"));
			observed.add(failing.complete("by the application"));
			release.countDown();
			observed.add(blocker.get(30, TimeUnit.SECONDS));
			// One thread: what was queued before this task has run.
			executor.submit(() -> "last").get(30, TimeUnit.SECONDS);
			observed.add(List.copyOf(ran));
			observed.add(Differential.failure(cancelled::join));
			observed.add(completed.join());
			observed.add(failing.join());
		});
		assertThat(outcome).hasSize(8)
			.startsWith(true, true, true, true, List.of())
			.endsWith("by the application", "by the application");
		assertThat((String) outcome.get(5)).startsWith("java.util.concurrent.CancellationException");
	}

	/**
	 * {@code submitCompletable(Runnable)}, whose future the engine mirrors: completed by
	 * the application or timed out before the task starts, the task is skipped as the
	 * JDK's {@code runAsync} skips it.
	 */
	@ParameterizedTest
	@EnumSource(names = { "THREAD_POOL_TASK_EXECUTOR", "DECORATED_THREAD_POOL_TASK_EXECUTOR",
			"THREAD_POOL_TASK_SCHEDULER", "CONCURRENT_TASK_EXECUTOR" })
	void queuedCompletableRunnableDoesNotRunOnceItsFutureIsComplete(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			CountDownLatch started = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			Future<Boolean> blocker = executor.submit(() -> {
				started.countDown();
				return release.await(30, TimeUnit.SECONDS);
			});
			assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
			List<String> ran = new CopyOnWriteArrayList<>();
			CompletableFuture<Void> cancelled = executor.submitCompletable((Runnable) () -> ran.add("cancelled"));
			CompletableFuture<Void> completed = executor.submitCompletable((Runnable) () -> ran.add("completed"));
			CompletableFuture<Void> failed = executor.submitCompletable((Runnable) () -> ran.add("failed"));
			CompletableFuture<Void> timedOut = executor.submitCompletable((Runnable) () -> ran.add("timed out"));
			observed.add(cancelled.cancel(true));
			observed.add(completed.complete(null));
			observed.add(failed.completeExceptionally(new IOException("by the application")));
			timedOut.orTimeout(1, TimeUnit.MILLISECONDS);
			await().atMost(java.time.Duration.ofSeconds(30)).until(timedOut::isDone);
			release.countDown();
			observed.add(blocker.get(30, TimeUnit.SECONDS));
			// One thread: what was queued before this task has run.
			executor.submit(() -> "last").get(30, TimeUnit.SECONDS);
			observed.add(List.copyOf(ran));
			observed.add(Differential.failure(cancelled::join));
			observed.add(completed.join());
			observed.add(Differential.failure(failed::join));
			observed.add(Differential.failure(timedOut::join));
		});
		assertThat(outcome).hasSize(9).startsWith(true, true, true, true, List.of());
		assertThat((String) outcome.get(5)).startsWith("java.util.concurrent.CancellationException");
		assertThat(outcome.get(6)).isNull();
		assertThat((String) outcome.get(7)).contains("IOException: by the application");
		assertThat((String) outcome.get(8)).contains("TimeoutException");
	}

	@SuppressWarnings("unchecked")
	private static <E extends Throwable> E sneaky(Throwable ex) throws E {
		throw (E) ex;
	}

	@ParameterizedTest
	@EnumSource
	void cancellingFutureInterruptsItsRunningTask(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			Task task = Task.blocking("cancelled");
			Future<?> future = executor(context).submit((Runnable) task);
			task.awaitStarted();
			observed.add(future.cancel(true));
			task.awaitInterrupted();
			observed.add(List.of(future.isCancelled(), future.isDone()));
			observed.add(Differential.failure(() -> future.get(30, TimeUnit.SECONDS)));
			observed.add(future.cancel(true));
		});
		assertThat(outcome).hasSize(4).startsWith(true, List.of(true, true)).endsWith(false);
		assertThat((String) outcome.get(2)).startsWith("java.util.concurrent.CancellationException");
	}

	@ParameterizedTest
	@EnumSource(names = { "THREAD_POOL_TASK_EXECUTOR", "DECORATED_THREAD_POOL_TASK_EXECUTOR",
			"THREAD_POOL_TASK_SCHEDULER", "CONCURRENT_TASK_EXECUTOR" })
	void futuresOfQueuedTasksAreCancelledByShutdown(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			// A collection now, so that none is likely until the shutdown: one in between
			// empties Spring's weak map of decorated tasks (the decorated executor below
			// cancels what it lost; with the Java agent, its tasks would be reported
			// dropped, to whichever test listens then).
			System.gc();
			Task running = Task.blocking("running");
			Future<?> first = executor.submit((Runnable) running);
			running.awaitStarted();
			Future<?> queuedRunnable = executor.submit((Runnable) Task.succeeding("queued runnable"));
			Future<String> queuedCallable = executor
				.submit((java.util.concurrent.Callable<String>) Task.succeeding("queued callable"));
			CompletableFuture<String> queuedCompletable = executor
				.submitCompletable((java.util.concurrent.Callable<String>) Task.succeeding("queued completable"));
			kind.shutdown(context);
			running.awaitInterrupted();
			observed.add(Differential.failure(() -> first.get(30, TimeUnit.SECONDS)));
			for (Future<?> queued : List.of(queuedRunnable, queuedCallable)) {
				observed.add(List.of(queued.isCancelled(), queued.isDone()));
				observed.add(Differential.failure(() -> queued.get(30, TimeUnit.SECONDS)));
			}
			// Spring's suite: a completable future's task is dropped, and it never
			// completes.
			observed.add(queuedCompletable.isDone());
			observed.add(Differential.failure(() -> queuedCompletable.get(100, TimeUnit.MILLISECONDS)));
		});
		assertThat(outcome).hasSize(7)
			.startsWith("returned", List.of(true, true))
			.endsWith(false, "java.util.concurrent.TimeoutException: null");
		assertThat(outcome.get(3)).isEqualTo(List.of(true, true));
		assertThat((String) outcome.get(2)).startsWith("java.util.concurrent.CancellationException");
		assertThat((String) outcome.get(4)).startsWith("java.util.concurrent.CancellationException");
	}

	@ParameterizedTest
	@EnumSource
	void tasksAreRejectedAfterShutdown(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			kind.shutdown(context);
			observed.add(Differential.failure(() -> executor.execute(Task.succeeding("late execute"))));
			observed.add(Differential.failure(() -> executor.submit((Runnable) Task.succeeding("late submit"))));
			observed.add(Differential.failure(() -> executor
				.submitCompletable((java.util.concurrent.Callable<String>) Task.succeeding("late completable"))));
		});
		assertThat(outcome).allSatisfy((failure) -> assertThat((String) failure)
			.startsWith("org.springframework.core.task.TaskRejectedException"));
	}

	@ParameterizedTest
	@EnumSource(names = { "DECORATED_THREAD_POOL_TASK_EXECUTOR", "THREAD_POOL_TASK_SCHEDULER",
			"SIMPLE_ASYNC_TASK_SCHEDULER" })
	void taskDecoratorIsAppliedToEveryTask(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			Task executed = Task.succeeding("executed");
			executor(context).execute(executed);
			executed.awaitThread();
			executor(context).submit((Runnable) Task.succeeding("submitted")).get(30, TimeUnit.SECONDS);
			executor(context).submitCompletable((Runnable) Task.succeeding("completable")).get(30, TimeUnit.SECONDS);
			observed.add(probe(context).decorated.size());
		});
		assertThat(outcome).containsExactly(3);
	}

	@ParameterizedTest
	@EnumSource(names = "DECORATED_THREAD_POOL_TASK_EXECUTOR")
	void taskDecoratorIsGivenTheExecutedRunnable(Kind kind) {
		List<Object> outcome = differential(kind).outcome((context, observed) -> {
			Task executed = Task.succeeding("executed");
			executor(context).execute(executed);
			executed.awaitThread();
			observed.add(probe(context).decorated.get(0) == executed);
		});
		assertThat(outcome).containsExactly(true);
	}

	private static String whenComplete(CompletableFuture<?> future) {
		AtomicReference<String> outcome = new AtomicReference<>();
		future.whenComplete(
				(value, ex) -> outcome.set((ex != null) ? "failure: " + Differential.describe(ex) : "value: " + value));
		await().atMost(SpringExecutorProbe.TIMEOUT).until(() -> outcome.get() != null);
		return outcome.get();
	}

	private Differential differential(Kind kind) {
		return Differential.executors(this.contextRunner.withUserConfiguration(kind.configuration), "executor");
	}

	private static AsyncTaskExecutor executor(AssertableApplicationContext context) {
		return context.getBean("executor", AsyncTaskExecutor.class);
	}

	private static SpringExecutorProbe probe(AssertableApplicationContext context) {
		return context.getBean(SpringExecutorProbe.class);
	}

	/**
	 * The executors of Spring's suite, each configured as its test class builds it.
	 */
	enum Kind {

		THREAD_POOL_TASK_EXECUTOR(ThreadPoolTaskExecutorConfiguration.class, false),

		DECORATED_THREAD_POOL_TASK_EXECUTOR(DecoratedThreadPoolTaskExecutorConfiguration.class, false),

		THREAD_POOL_TASK_SCHEDULER(ThreadPoolTaskSchedulerConfiguration.class, true),

		SIMPLE_ASYNC_TASK_SCHEDULER(SimpleAsyncTaskSchedulerConfiguration.class, true),

		CONCURRENT_TASK_EXECUTOR(ConcurrentTaskExecutorConfiguration.class, false),

		SIMPLE_ASYNC_TASK_EXECUTOR(SimpleAsyncTaskExecutorConfiguration.class, false);

		private final Class<?> configuration;

		private final boolean handlesErrors;

		Kind(Class<?> configuration, boolean handlesErrors) {
			this.configuration = configuration;
			this.handlesErrors = handlesErrors;
		}

		void shutdown(AssertableApplicationContext context) throws Exception {
			Object executor = context.getBean("executor");
			if (this == CONCURRENT_TASK_EXECUTOR) {
				probe(context).shutdownPool();
			}
			else if (executor instanceof DisposableBean disposable) {
				disposable.destroy();
			}
			else {
				((AutoCloseable) executor).close();
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ProbeConfiguration {

		@Bean
		SpringExecutorProbe probe() {
			return new SpringExecutorProbe();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ThreadPoolTaskExecutorConfiguration extends ProbeConfiguration {

		@Bean
		ThreadPoolTaskExecutor executor(SpringExecutorProbe probe) {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setThreadFactory(probe.threadFactory(SpringExecutorProbe.PREFIX));
			executor.setMaxPoolSize(1);
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DecoratedThreadPoolTaskExecutorConfiguration extends ProbeConfiguration {

		@Bean
		ThreadPoolTaskExecutor executor(SpringExecutorProbe probe) {
			ThreadPoolTaskExecutor executor = new DecoratingThreadPoolTaskExecutor(
					(runnable) -> new DelegatingErrorHandlingRunnable(probe.decorator().decorate(runnable),
							TaskUtils.LOG_AND_PROPAGATE_ERROR_HANDLER));
			executor.setThreadFactory(probe.threadFactory(SpringExecutorProbe.PREFIX));
			executor.setMaxPoolSize(1);
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ThreadPoolTaskSchedulerConfiguration extends ProbeConfiguration {

		@Bean
		ThreadPoolTaskScheduler executor(SpringExecutorProbe probe) {
			ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
			scheduler.setThreadFactory(probe.threadFactory(SpringExecutorProbe.PREFIX));
			scheduler.setTaskDecorator(probe.decorator());
			scheduler.setErrorHandler(probe::failed);
			return scheduler;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SimpleAsyncTaskSchedulerConfiguration extends ProbeConfiguration {

		// Declared by an interface: the class has final methods a proxy would break.
		@Bean
		AsyncTaskExecutor executor(SpringExecutorProbe probe) {
			SimpleAsyncTaskScheduler scheduler = new SimpleAsyncTaskScheduler();
			scheduler.setThreadFactory(probe.threadFactory(SpringExecutorProbe.PREFIX));
			scheduler.setTaskDecorator(probe.decorator());
			scheduler.setErrorHandler(probe::failed);
			return scheduler;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ConcurrentTaskExecutorConfiguration extends ProbeConfiguration {

		@Bean
		AsyncTaskExecutor executor(SpringExecutorProbe probe) {
			return new ConcurrentTaskExecutor(probe.pool(new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
					new LinkedBlockingQueue<>(), probe.threadFactory(SpringExecutorProbe.PREFIX))));
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class SimpleAsyncTaskExecutorConfiguration extends ProbeConfiguration {

		@Bean
		AsyncTaskExecutor executor(SpringExecutorProbe probe) {
			return new SimpleAsyncTaskExecutor(probe.threadFactory(SpringExecutorProbe.PREFIX));
		}

	}

}
