package io.github.leakedtasks.autoconfigure;

import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.autoconfigure.SpringExecutorProbe.Task;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.env.Environment;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ConcurrentTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The edge cases Spring Framework's {@code ConcurrentTaskExecutorTests} checks of the
 * adapter of a {@code java.util.concurrent.Executor}: no executor, the deprecated default
 * one, and a {@code TaskDecorator} set before or after the executor, on a
 * {@link ConcurrentTaskExecutor} bean that the auto-configuration wraps (declared as
 * {@link AsyncTaskExecutor}: the class has final methods): every scenario observes the
 * same with leaked-tasks enabled as disabled.
 */
class SpringExecutorAdapterBehaviourTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class));

	@Test
	void nullExecutorFailsEveryTaskAsNotConfigured() {
		List<Object> outcome = differential(NullExecutorConfiguration.class).outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			observed.add(Differential.failure(() -> executor.execute(Task.succeeding("execute"))));
			observed.add(Differential.failure(() -> executor.submit((Runnable) Task.succeeding("runnable"))));
			observed.add(Differential.failure(() -> executor.submit((Callable<String>) Task.succeeding("callable"))));
			observed.add(Differential
				.failure(() -> executor.submitCompletable((Callable<String>) Task.succeeding("completable"))));
		});
		assertThat(outcome).hasSize(4)
			.allSatisfy((failure) -> assertThat(failure)
				.isEqualTo("java.lang.IllegalStateException: Executor not configured"));
	}

	@Test
	void deprecatedDefaultExecutorRunsTasksOnItsSingleThread() {
		List<Object> outcome = differential(DefaultExecutorConfiguration.class).outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			Task executed = Task.succeeding("execute");
			executor.execute(executed);
			observed.add(pooled(executed.awaitThread()));
			observed
				.add(pooled(executor.submit((Callable<String>) Task.succeeding("callable")).get(30, TimeUnit.SECONDS)));
			Future<?> failed = executor.submit((Runnable) Task.failing("runnable"));
			observed.add(pooled(Differential.failure(() -> failed.get(30, TimeUnit.SECONDS))));
		});
		assertThat(outcome).containsExactly("pool-thread-1", "pool-thread-1",
				"java.util.concurrent.ExecutionException: java.lang.IllegalStateException: runnable failed on "
						+ "pool-thread-1 <- java.lang.IllegalStateException: runnable failed on pool-thread-1");
	}

	@ParameterizedTest
	@ValueSource(booleans = { true, false })
	void decoratorSetBeforeOrAfterExecutorDecoratesWhatItsExecutorRuns(boolean decoratorFirst) {
		ApplicationContextRunner runner = this.contextRunner.withUserConfiguration(DecoratedConfiguration.class)
			.withPropertyValues("suite.decorator-first=" + decoratorFirst);
		List<Object> outcome = Differential.executors(runner, "executor").outcome((context, observed) -> {
			AsyncTaskExecutor executor = executor(context);
			Task executed = Task.succeeding("execute");
			executor.execute(executed);
			observed.add(executed.awaitThread());
			observed.add(executor.submit((Callable<String>) Task.succeeding("callable")).get(30, TimeUnit.SECONDS));
			observed
				.add(executor.submitCompletable((Runnable) Task.succeeding("completable")).get(30, TimeUnit.SECONDS));
			List<Object> decorated = context.getBean(SpringExecutorProbe.class).decorated;
			observed.add(decorated.get(0) == executed);
			observed.add(decorated.stream().map((task) -> task.getClass().getName()).toList().subList(1, 3));
			observed.add(context.getBean(Received.class).commands.stream()
				.map((command) -> command instanceof Decorated)
				.toList());
		});
		assertThat(outcome).containsExactly("suite-1", "suite-1", null, true,
				List.of("java.util.concurrent.FutureTask", "java.util.concurrent.CompletableFuture$AsyncRun"),
				List.of(true, true, true));
	}

	private static String pooled(String description) {
		// The default executor's pool number counts every pool of the JVM.
		return description.replaceAll("pool-\\d+-thread", "pool-thread");
	}

	private Differential differential(Class<?> configuration) {
		return Differential.executors(this.contextRunner.withUserConfiguration(configuration), "executor");
	}

	private static AsyncTaskExecutor executor(AssertableApplicationContext context) {
		return context.getBean("executor", AsyncTaskExecutor.class);
	}

	@Configuration(proxyBeanMethods = false)
	static class NullExecutorConfiguration {

		@Bean
		AsyncTaskExecutor executor() {
			return new ConcurrentTaskExecutor(null);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DefaultExecutorConfiguration {

		@Bean
		SpringExecutorProbe probe() {
			return new SpringExecutorProbe();
		}

		@Bean
		@SuppressWarnings("deprecation")
		AsyncTaskExecutor executor(SpringExecutorProbe probe) {
			ConcurrentTaskExecutor executor = new ConcurrentTaskExecutor();
			// Shut down with the context: nothing else would.
			probe.pool((ExecutorService) executor.getConcurrentExecutor());
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DecoratedConfiguration {

		@Bean
		SpringExecutorProbe probe() {
			return new SpringExecutorProbe();
		}

		@Bean
		Received received() {
			return new Received();
		}

		@Bean
		AsyncTaskExecutor executor(SpringExecutorProbe probe, Received received, Environment environment) {
			ThreadPoolExecutor pool = probe.pool(new ThreadPoolExecutor(1, 1, 60, TimeUnit.SECONDS,
					new LinkedBlockingQueue<>(), probe.threadFactory(SpringExecutorProbe.PREFIX)));
			Executor inner = (command) -> {
				received.commands.add(command);
				pool.execute(command);
			};
			ConcurrentTaskExecutor executor = new ConcurrentTaskExecutor(null);
			boolean decoratorFirst = environment.getProperty("suite.decorator-first", Boolean.class, false);
			if (decoratorFirst) {
				executor.setTaskDecorator((runnable) -> new Decorated(probe.decorator().decorate(runnable)));
			}
			executor.setConcurrentExecutor(inner);
			if (!decoratorFirst) {
				executor.setTaskDecorator((runnable) -> new Decorated(probe.decorator().decorate(runnable)));
			}
			return executor;
		}

	}

	/**
	 * What the executor behind a {@link ConcurrentTaskExecutor} was given.
	 */
	static final class Received {

		final List<Object> commands = new CopyOnWriteArrayList<>();

	}

	/**
	 * A task as the decorator returns it.
	 */
	record Decorated(Runnable task) implements Runnable {

		@Override
		public void run() {
			this.task.run();
		}

	}

}
