package io.github.leakedtasks.autoconfigure;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.Test;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ExecutorProxies}: executors whose futures the tracker cannot stand in
 * for.
 */
class ExecutorProxiesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class));

	@Test
	void executorDeclaredByAnInterfaceWithCovariantSubmitIsLeftUnwrappedAndKeepsItsFutures() {
		this.contextRunner.withUserConfiguration(CustomExecutorGroupConfiguration.class).run((context) -> {
			CustomExecutorGroup group = context.getBean(CustomExecutorGroup.class);
			CustomFuture<String> future = group.submit(() -> "ok");
			assertThat(future.get(30, TimeUnit.SECONDS)).isEqualTo("ok");
			assertThat(group.submit(() -> {
			}).get(30, TimeUnit.SECONDS)).isNull();
			assertThat(AopUtils.isAopProxy(group)).isFalse();
		});
	}

	@Test
	void executorClassWithCovariantSubmitIsLeftUnwrappedAndKeepsItsFutures() {
		this.contextRunner.withUserConfiguration(CovariantExecutorConfiguration.class).run((context) -> {
			CovariantExecutor executor = context.getBean(CovariantExecutor.class);
			CustomFuture<String> future = executor.submit(() -> "ok");
			assertThat(future.get(30, TimeUnit.SECONDS)).isEqualTo("ok");
			assertThat(AopUtils.isAopProxy(executor)).isFalse();
		});
	}

	/**
	 * A future of an executor's own type, as netty's
	 * {@code io.netty.util.concurrent.Future}.
	 */
	public interface CustomFuture<V> extends Future<V> {

	}

	/**
	 * An executor whose {@code submit} methods return its own future type, as netty's
	 * {@code EventExecutorGroup}.
	 */
	public interface CustomExecutorGroup extends ExecutorService {

		@Override
		<T> CustomFuture<T> submit(Callable<T> task);

		@Override
		CustomFuture<?> submit(Runnable task);

		@Override
		<T> CustomFuture<T> submit(Runnable task, T result);

	}

	/**
	 * A public executor class whose {@code submit} has a covariant return type.
	 */
	public static class CovariantExecutor extends AbstractExecutorService implements CustomExecutorGroup {

		private final ExecutorService delegate = Executors.newSingleThreadExecutor();

		@Override
		public <T> CustomFuture<T> submit(Callable<T> task) {
			CustomFutureTask<T> future = new CustomFutureTask<>(task);
			execute(future);
			return future;
		}

		@Override
		public CustomFuture<?> submit(Runnable task) {
			return submit(Executors.callable(task));
		}

		@Override
		public <T> CustomFuture<T> submit(Runnable task, T result) {
			return submit(Executors.callable(task, result));
		}

		@Override
		public void execute(Runnable command) {
			this.delegate.execute(command);
		}

		@Override
		public void shutdown() {
			this.delegate.shutdown();
		}

		@Override
		public List<Runnable> shutdownNow() {
			return this.delegate.shutdownNow();
		}

		@Override
		public boolean isShutdown() {
			return this.delegate.isShutdown();
		}

		@Override
		public boolean isTerminated() {
			return this.delegate.isTerminated();
		}

		@Override
		public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
			return this.delegate.awaitTermination(timeout, unit);
		}

	}

	static final class CustomFutureTask<V> extends FutureTask<V> implements CustomFuture<V> {

		CustomFutureTask(Callable<V> callable) {
			super(callable);
		}

		@Override
		public V get(long timeout, TimeUnit unit) throws InterruptedException, ExecutionException, TimeoutException {
			return super.get(timeout, unit);
		}

	}

	/**
	 * Not public, so the executor gets an interface proxy.
	 */
	static final class HiddenExecutorGroup extends CovariantExecutor {

	}

	@Configuration(proxyBeanMethods = false)
	static class CustomExecutorGroupConfiguration {

		@Bean(destroyMethod = "shutdownNow")
		CustomExecutorGroup customExecutorGroup() {
			return new HiddenExecutorGroup();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class CovariantExecutorConfiguration {

		@Bean(destroyMethod = "shutdownNow")
		CovariantExecutor covariantExecutor() {
			return new CovariantExecutor();
		}

	}

}
