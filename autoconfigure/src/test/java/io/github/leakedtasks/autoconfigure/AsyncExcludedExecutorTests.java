package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import io.github.leakedtasks.tracking.LeakReport;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end: the {@code @Async} methods of an executor named in
 * {@code leaked-tasks.excluded-executors} are not tracked by the starter, as README says;
 * with the Java agent, which sees every future of the JVM, their futures are the agent's.
 */
@SpringBootTest(classes = AsyncExcludedExecutorTests.ExcludingApplication.class,
		properties = { "leaked-tasks.excluded-executors=excludedExecutor", "leaked-tasks.grace-period=200ms" })
class AsyncExcludedExecutorTests {

	@Autowired
	private ExcludingService service;

	@Autowired
	private RecordingListener listener;

	@Test
	void lostFailureOfAnAsyncMethodOnAnExcludedExecutorIsNotTheStartersToReport() {
		loseExcluded();
		// Two control failures, lost after it on a tracked executor and confirmed one
		// collection after the other: what was not reported by then is not reported.
		for (int round = 1; round <= 2; round++) {
			loseControl();
			int expected = round;
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(this.listener.leaksOf("ExcludingService.control")).hasSize(expected);
			});
		}
		if (AgentMode.attached()) {
			// The agent's: the future the method returned failed, and nobody read it.
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(this.listener.leaks).filteredOn((report) -> isExcluded(report)).isNotEmpty();
			});
			assertThat(this.listener.leaks).filteredOn(this::isExcluded)
				.allSatisfy((report) -> assertThat(report.executor()).isEqualTo("excludedExecutor"));
		}
		else {
			assertThat(this.listener.leaks).filteredOn(this::isExcluded).isEmpty();
			assertThat(this.listener.leaksOf("ExcludingService.excluded")).isEmpty();
		}
	}

	private boolean isExcluded(LeakReport report) {
		return report.exception() != null && "on the excluded executor".equals(report.exception().getMessage());
	}

	private void loseExcluded() {
		CompletableFuture<String> future = this.service.excluded();
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	private void loseControl() {
		CompletableFuture<String> future = this.service.control();
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	@SpringBootApplication
	@EnableAsync
	static class ExcludingApplication {

		@Bean
		ThreadPoolTaskExecutor excludedExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			return executor;
		}

		@Bean
		ThreadPoolTaskExecutor trackedExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			return executor;
		}

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

		@Bean
		ExcludingService excludingService() {
			return new ExcludingService();
		}

	}

	static class ExcludingService {

		@Async("excludedExecutor")
		public CompletableFuture<String> excluded() {
			throw new IllegalStateException("on the excluded executor");
		}

		@Async("trackedExecutor")
		public CompletableFuture<String> control() {
			throw new IllegalStateException("control");
		}

	}

}
