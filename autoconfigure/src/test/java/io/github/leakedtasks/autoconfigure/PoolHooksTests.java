package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A pool of the application's own class, declared as an {@code ExecutorService}, whose
 * {@code submit} is the JDK's: the {@code FutureTask} its {@code afterExecute} reads is
 * the caller's, as without tracking, and a failure read there is no leak.
 */
class PoolHooksTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
		.withPropertyValues("leaked-tasks.grace-period=200ms")
		.withUserConfiguration(HookedPoolConfiguration.class);

	@Test
	void failureReadByAfterExecuteIsNotReportedAndTheHooksSeeTheCallersFuture() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasNotFailed();
			HookedPool pool = context.getBean(HookedPool.class);
			ExecutorService hooked = context.getBean("hooked", ExecutorService.class);
			Future<Object> future = hooked.submit(() -> {
				throw new IllegalStateException("read in afterExecute");
			});
			await().atMost(Duration.ofSeconds(30)).until(() -> pool.read().size() == 1);
			assertThat(future).isInstanceOf(FutureTask.class);
			assertThat(pool.seen()).containsExactly(future);
			assertThat(pool.read().get(0)).isInstanceOf(ExecutionException.class)
				.hasCauseInstanceOf(IllegalStateException.class);
			future = null;
			RecordingListener listener = context.getBean(RecordingListener.class);
			ExecutorService control = context.getBean("control", ExecutorService.class);
			control.submit(() -> {
				throw new IllegalStateException("control");
			});
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(listener.leaks).anySatisfy((report) -> assertThat(report.executor()).isEqualTo("control"));
			});
			assertThat(listener.leaks).noneSatisfy((report) -> assertThat(report.executor()).isEqualTo("hooked"));
		});
	}

	/**
	 * Reads every future it ran, as some applications' pools do to log failures.
	 */
	public static class HookedPool extends ThreadPoolExecutor {

		final List<Object> seen = new CopyOnWriteArrayList<>();

		final List<Throwable> read = new CopyOnWriteArrayList<>();

		public HookedPool() {
			super(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
		}

		/** Read through the proxy, which holds no state of its own. */
		public List<Object> seen() {
			return this.seen;
		}

		public List<Throwable> read() {
			return this.read;
		}

		@Override
		protected void afterExecute(Runnable task, Throwable thrown) {
			if (task instanceof Future<?> future && future.isDone()) {
				this.seen.add(task);
				try {
					future.get();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				catch (ExecutionException ex) {
					this.read.add(ex);
				}
			}
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class HookedPoolConfiguration {

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService hooked() {
			return new HookedPool();
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService control() {
			return Executors.newFixedThreadPool(1);
		}

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

	}

}
