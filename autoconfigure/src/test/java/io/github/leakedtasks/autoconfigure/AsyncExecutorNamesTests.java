package io.github.leakedtasks.autoconfigure;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;

import io.github.leakedtasks.tracking.UncaughtReport;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Scope;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link AsyncExecutorNames}: the executor an {@code @Async} method is reported
 * under is the one Spring chose.
 */
class AsyncExecutorNamesTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(
				AutoConfigurations.of(LeakedTasksAutoConfiguration.class, TaskExecutionAutoConfiguration.class))
		.withUserConfiguration(QualifiedAsyncConfiguration.class)
		.withPropertyValues("spring.task.execution.mode=force");

	@Test
	void qualifierWhosePlaceholderResolvesToEmptyIsNamedAfterTheDefaultExecutor() {
		this.contextRunner.run((context) -> {
			context.getBean(Notifier.class).onPlaceholderExecutor();
			assertThat(awaitUncaught(context.getBean(RecordingListener.class)).executor())
				.isEqualTo("applicationTaskExecutor");
		});
	}

	@Test
	void qualifierWhosePlaceholderResolvesToABeanIsNamedAfterIt() {
		this.contextRunner.withPropertyValues("app.executor=ordersExecutor").run((context) -> {
			context.getBean(Notifier.class).onPlaceholderExecutor();
			assertThat(awaitUncaught(context.getBean(RecordingListener.class)).executor()).isEqualTo("ordersExecutor");
		});
	}

	@Test
	void spelQualifierIsNamedAfterTheExecutorItResolvesTo() {
		this.contextRunner.run((context) -> {
			context.getBean(Notifier.class).onSpelExecutor();
			assertThat(awaitUncaught(context.getBean(RecordingListener.class)).executor()).isEqualTo("ordersExecutor");
		});
	}

	@Test
	void executorBeansMadeAgainAndAgainAreNotKept() {
		// A prototype (or step-, job- or request-scoped) executor bean: each instance is
		// the application's to let go of.
		new ApplicationContextRunner().withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
			.withUserConfiguration(PrototypeExecutorConfiguration.class)
			.run((context) -> {
				for (int i = 0; i < 3; i++) {
					context.getBean("perJob", ThreadPoolTaskExecutor.class).shutdown();
				}
				assertThat(PrototypeExecutorConfiguration.created).hasSize(3);
				await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					System.gc();
					assertThat(PrototypeExecutorConfiguration.created)
						.allSatisfy((executor) -> assertThat(executor.get()).as("an executor the application let go of")
							.isNull());
				});
			});
	}

	private static UncaughtReport awaitUncaught(RecordingListener listener) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(listener.uncaught).hasSize(1));
		return listener.uncaught.get(0);
	}

	@Configuration(proxyBeanMethods = false)
	static class PrototypeExecutorConfiguration {

		static final List<WeakReference<ThreadPoolTaskExecutor>> created = new CopyOnWriteArrayList<>();

		@Bean
		@Scope(ConfigurableBeanFactory.SCOPE_PROTOTYPE)
		ThreadPoolTaskExecutor perJob() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			created.add(new WeakReference<>(executor));
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class QualifiedAsyncConfiguration {

		@Bean
		ThreadPoolTaskExecutor ordersExecutor() {
			return new ThreadPoolTaskExecutor();
		}

		@Bean
		Notifier notifier() {
			return new Notifier();
		}

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

	}

	static class Notifier {

		@Async("${app.executor:}")
		public void onPlaceholderExecutor() {
			throw new IllegalStateException("placeholder");
		}

		@Async("#{'orders' + 'Executor'}")
		public void onSpelExecutor() {
			throw new IllegalStateException("spel");
		}

	}

}
