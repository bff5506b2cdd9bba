package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.UncaughtReport;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link DeferredLeakListeners}: listener beans that depend on executor beans.
 */
class DeferredLeakListenersTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
		.withPropertyValues("leaked-tasks.grace-period=200ms");

	@Test
	void listenerThatDependsOnAnExecutorBeanStartsAndReceivesLeaks() {
		this.contextRunner.withUserConfiguration(ListenerOnExecutorConfiguration.class).run((context) -> {
			assertThat(context).hasNotFailed();
			ExecutorListener listener = context.getBean(ExecutorListener.class);
			assertThat(listener.executor).isSameAs(context.getBean("pool"));
			loseFailure(context.getBean("pool", ExecutorService.class));
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(listener.leaks).singleElement()
					.satisfies((report) -> assertThat(report.executor()).isEqualTo("pool"));
			});
		});
	}

	@Test
	void failureReportedWhileTheContextStartsReachesListenerThatDependsOnAnExecutorBean() {
		this.contextRunner.withUserConfiguration(ListenerOnExecutorConfiguration.class, StartupTaskConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(ExecutorListener.class).uncaught).extracting(UncaughtReport::executor)
					.containsExactly("pool");
			});
	}

	@Test
	void listenerThatThrowsAnErrorNeitherFailsTheStartNorKeepsTheOthersFromTheirReports() {
		this.contextRunner
			.withUserConfiguration(ThrowingListenerConfiguration.class, ListenerOnExecutorConfiguration.class,
					StartupTaskConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(ThrowingListener.class).calls).hasValue(1);
				assertThat(context.getBean(ExecutorListener.class).uncaught).extracting(UncaughtReport::executor)
					.containsExactly("pool");
			});
	}

	private static void loseFailure(ExecutorService executor) {
		Future<Object> future = executor.submit(() -> {
			throw new IllegalStateException("lost");
		});
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	static class ExecutorListener extends RecordingListener {

		final ExecutorService executor;

		ExecutorListener(ExecutorService executor) {
			this.executor = executor;
		}

	}

	/**
	 * Counts the failures that reached the threads' uncaught-exception handler, after the
	 * tracker reported them.
	 */
	static class UncaughtFailures implements ThreadFactory {

		final CountDownLatch handled = new CountDownLatch(1);

		@Override
		public Thread newThread(Runnable task) {
			Thread thread = new Thread(task);
			thread.setUncaughtExceptionHandler((failed, ex) -> this.handled.countDown());
			return thread;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ListenerOnExecutorConfiguration {

		@Bean
		UncaughtFailures uncaughtFailures() {
			return new UncaughtFailures();
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService pool(UncaughtFailures threads) {
			return Executors.newFixedThreadPool(1, threads);
		}

		@Bean
		ExecutorListener executorListener(ExecutorService pool) {
			return new ExecutorListener(pool);
		}

	}

	/**
	 * Called first, and throws an {@link Error}.
	 */
	static class ThrowingListener implements LeakListener, Ordered {

		final AtomicInteger calls = new AtomicInteger();

		@Override
		public void onUncaught(UncaughtReport report) {
			this.calls.incrementAndGet();
			throw new AssertionError("a broken listener");
		}

		@Override
		public int getOrder() {
			return Ordered.HIGHEST_PRECEDENCE;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ThrowingListenerConfiguration {

		@Bean
		ThrowingListener throwingListener() {
			return new ThrowingListener();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class StartupTaskConfiguration {

		@Bean
		String startupTask(ExecutorService pool, UncaughtFailures threads) throws InterruptedException {
			pool.execute(() -> {
				throw new IllegalStateException("failed at start-up");
			});
			assertThat(threads.handled.await(30, TimeUnit.SECONDS)).isTrue();
			return "done";
		}

	}

}
