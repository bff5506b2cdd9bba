package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.autoconfigure.LeakedTasksAutoConfiguration;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static io.github.leakedtasks.agent.AgentFixture.awaitDetectorCaughtUp;
import static io.github.leakedtasks.agent.AgentFixture.awaitReported;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static io.github.leakedtasks.agent.AgentFixture.reportsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The starter with the agent: the future of an {@code @Async} method is the wrapper's
 * own, and {@code allOf} or {@code anyOf} over it once it failed read its result from its
 * field, calling none of its methods. The agent sees them take it, and hands it to the
 * wrapper as retrieved (a user's handled {@code allOf} was reported). One still pending
 * is the wrapper's to follow, as without the agent (an {@code anyOf} input that fails
 * after another won is reported: {@code UnretrievedFailureTests}).
 */
class CombinedAsyncFuturesTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
		.withUserConfiguration(MailApplication.class);

	@BeforeEach
	void collectReports() {
		AgentFixture.collectReports();
	}

	@Test
	void failureOfAnAsyncMethodTakenByACombinatorIsNotReportedAndOneDroppedIs() {
		this.runner.run((context) -> {
			Mailer mailer = context.getBean(Mailer.class);
			String allOf = marker();
			String anyOf = marker();
			String lost = marker();
			combine(mailer, allOf, anyOf);
			// Dropped, after the others let go of: reported once they are collected too.
			mailer.fail(lost);
			awaitReported(lost);
			awaitDetectorCaughtUp();
			// allOf over a failed future, anyOf over a failed future.
			assertThat(List.of(reportsOf(allOf).size(), reportsOf(anyOf).size())).containsExactly(0, 0);
			assertThat(reportsOf(lost)).singleElement()
				.satisfies((report) -> assertThat(report.executor()).isEqualTo("mailExecutor"));
		});
	}

	private static void combine(Mailer mailer, String allOf, String anyOf) throws Exception {
		CompletableFuture<String> failed = mailer.fail(allOf);
		await().atMost(Duration.ofSeconds(30)).until(failed::isDone);
		assertThat(CompletableFuture.allOf(failed, CompletableFuture.completedFuture("ok"))
			.handle((result, failure) -> failure != null)
			.get(30, TimeUnit.SECONDS)).isTrue();

		CompletableFuture<String> failedFirst = mailer.fail(anyOf);
		await().atMost(Duration.ofSeconds(30)).until(failedFirst::isDone);
		assertThat(CompletableFuture.anyOf(failedFirst, new CompletableFuture<>())
			.handle((result, failure) -> failure != null)
			.get(30, TimeUnit.SECONDS)).isTrue();
	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class MailApplication {

		@Bean
		ThreadPoolTaskExecutor mailExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(2);
			return executor;
		}

		@Bean
		Mailer mailer() {
			return new Mailer();
		}

	}

	public static class Mailer {

		@Async("mailExecutor")
		public CompletableFuture<String> fail(String message) {
			throw new IllegalArgumentException(message);
		}

	}

}
