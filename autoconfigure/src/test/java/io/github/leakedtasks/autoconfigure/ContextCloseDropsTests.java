package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakReport;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.context.LifecycleAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for what the starter reports as its context closes: Spring shuts each executor
 * bean down before the starter's engine, handing back what was still queued, so the
 * engine's close must still report those drops.
 */
class ContextCloseDropsTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class, LifecycleAutoConfiguration.class))
		.withPropertyValues("spring.lifecycle.timeout-per-shutdown-phase=1s")
		.withUserConfiguration(QueuingExecutors.class);

	@ParameterizedTest
	@ValueSource(strings = { "queuingExecutor", "queuingScheduler" })
	void tasksStillQueuedWhenTheContextClosesAreReportedAsDroppedUnlessTheCallerHoldsTheFuture(String name) {
		RecordingListener[] listener = new RecordingListener[1];
		Future<?>[] held = new Future<?>[1];
		this.contextRunner.run((context) -> {
			listener[0] = context.getBean(RecordingListener.class);
			AsyncTaskExecutor executor = context.getBean(name, AsyncTaskExecutor.class);
			CountDownLatch started = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			executor.execute(() -> {
				started.countDown();
				awaitQuietly(release);
			});
			assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
			executor.execute(new Executed());
			executor.submit(new Ignored());
			held[0] = executor.submit(new Held());
			executor.submit((Callable<String>) () -> "done later").cancel(false);
			// The context stops the executor, waits a second for the task it runs, then
			// destroys it: its shutdown interrupts that task and hands back the others.
			context.close();
			release.countDown();
		});
		assertThat(held[0].isCancelled()).isTrue();
		// The engine's close waits for its last pass a while, not without end.
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(listener[0].leaks).allSatisfy((report) -> {
				assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
				assertThat(report.executor()).isEqualTo(name);
			})
				.extracting(LeakReport::task)
				.containsExactlyInAnyOrderElementsOf(AgentMode.attached()
						// Spring cancels the future submit returned: whether
						// anybody still holds it, the agent cannot see.
						? List.of(Executed.class.getName())
						: List.of(Executed.class.getName(), Ignored.class.getName())));
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	static final class Executed implements Runnable {

		@Override
		public void run() {
		}

	}

	static final class Ignored implements Runnable {

		@Override
		public void run() {
		}

	}

	static final class Held implements Runnable {

		@Override
		public void run() {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class QueuingExecutors {

		@Bean
		ThreadPoolTaskExecutor queuingExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			return executor;
		}

		@Bean
		ThreadPoolTaskScheduler queuingScheduler() {
			return new ThreadPoolTaskScheduler();
		}

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

	}

}
