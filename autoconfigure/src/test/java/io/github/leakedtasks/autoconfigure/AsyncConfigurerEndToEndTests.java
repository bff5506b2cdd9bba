package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.Executor;

import org.junit.jupiter.api.Test;

import org.springframework.aop.interceptor.AsyncUncaughtExceptionHandler;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end: {@code @Async} methods on an executor that an {@link AsyncConfigurer}
 * returns without making it a bean (spring-cloud-sleuth #1022), with the application's
 * own uncaught-exception handler.
 */
@SpringBootTest(classes = AsyncConfigurerEndToEndTests.ConfiguredApplication.class,
		properties = "leaked-tasks.grace-period=200ms")
class AsyncConfigurerEndToEndTests {

	@Autowired
	private Mailer mailer;

	@Autowired
	private RecordingListener listener;

	@Test
	void lostFailureIsReportedUnderTheConfigurersName() {
		loseMail();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaksOf("Mailer.send")).hasSize(1);
		});
		assertThat(this.listener.leaksOf("Mailer.send").get(0).executor()).isEqualTo(MailConfiguration.class.getName());
	}

	@Test
	void voidFailureReachesTheApplicationsHandlerAndIsCountedAsUncaught() {
		this.mailer.sendAndForget();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(MailConfiguration.handled).hasSize(1));
		assertThat(MailConfiguration.handled.get(0)).isInstanceOf(IllegalStateException.class)
			.hasMessage("no recipient");
		assertThat(this.listener.uncaught).singleElement()
			.satisfies((report) -> assertThat(report.exception()).isSameAs(MailConfiguration.handled.get(0)));
	}

	private void loseMail() {
		CompletableFuture<Void> future = this.mailer.send();
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	@SpringBootApplication
	@EnableAsync
	@Import(MailConfiguration.class)
	static class ConfiguredApplication {

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

		@Bean
		Mailer mailer() {
			return new Mailer();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class MailConfiguration implements AsyncConfigurer {

		// Spring Boot replaces AsyncConfigurer beans with a wrapper of its own, so the
		// test cannot inject this one.
		static final List<Throwable> handled = new CopyOnWriteArrayList<>();

		@Override
		public Executor getAsyncExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setThreadNamePrefix("configured-");
			executor.initialize();
			return executor;
		}

		@Override
		public AsyncUncaughtExceptionHandler getAsyncUncaughtExceptionHandler() {
			return (ex, method, params) -> handled.add(ex);
		}

	}

	static class Mailer {

		@Async
		public CompletableFuture<Void> send() {
			throw new IllegalStateException("mail server down");
		}

		@Async
		public void sendAndForget() {
			throw new IllegalStateException("no recipient");
		}

	}

}
