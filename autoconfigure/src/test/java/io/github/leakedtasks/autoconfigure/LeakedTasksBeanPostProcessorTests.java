package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.function.Consumer;

import io.github.leakedtasks.actuate.LeakedTasksEndpoint;
import io.github.leakedtasks.actuate.LeakedTasksEndpoint.ExecutorBeanDescriptor;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;
import org.junit.jupiter.api.Test;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link LeakedTasksBeanPostProcessor}: which executor beans it wraps.
 */
class LeakedTasksBeanPostProcessorTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
		.withPropertyValues("leaked-tasks.grace-period=200ms");

	@Test
	void executorTheApplicationWrappedWithTaskTrackerReportsEachLostFailureOnce() {
		this.contextRunner.withUserConfiguration(SelfWrappedConfiguration.class).run((context) -> {
			ExecutorService selfWrapped = context.getBean("selfWrapped", ExecutorService.class);
			RecordingListener listener = context.getBean(RecordingListener.class);
			loseFailure(selfWrapped);
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(leaksOf(listener, "selfWrapped")).isNotEmpty();
			});
			awaitControl(context.getBean("control", ExecutorService.class), listener);
			assertThat(leaksOf(listener, "selfWrapped")).hasSize(1);
			assertThat(AopUtils.isAopProxy(selfWrapped)).isFalse();
		});
	}

	@Test
	void summaryListsEveryExecutorBeanWithWhetherItIsTrackedAndWhyNot() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(LeakedTasksEndpointAutoConfiguration.class))
			.withUserConfiguration(LeakedTasksAutoConfigurationTests.ExecutorsConfiguration.class,
					SelfWrappedConfiguration.class)
			.withPropertyValues("management.endpoints.web.exposure.include=leakedtasks",
					"leaked-tasks.excluded-executors=singleThreadExecutor")
			.run((context) -> {
				Map<String, ExecutorBeanDescriptor> beans = context.getBean(LeakedTasksEndpoint.class)
					.leaks(SecurityContext.NONE)
					.summary()
					.beans();
				assertThat(beans).containsEntry("threadPoolTaskExecutor", new ExecutorBeanDescriptor(true, null))
					.containsEntry("threadPoolTaskScheduler", new ExecutorBeanDescriptor(true, null))
					.containsEntry("threadPoolExecutor", new ExecutorBeanDescriptor(true, null))
					.containsEntry("selfWrapped", new ExecutorBeanDescriptor(true, null));
				assertThat(beans.get("singleThreadExecutor")).satisfies(notTracked("leaked-tasks.excluded-executors"));
				assertThat(beans.get("simpleAsyncTaskExecutor").reason()).doesNotContain("ExecutorService");
				if (AgentMode.attached()) {
					// The agent tracks the futures its submit() methods return, not its
					// execute() tasks.
					assertThat(beans.get("simpleAsyncTaskExecutor")).satisfies(notTracked("final methods",
							"With the Java agent, the futures its submit() methods return are tracked",
							"to have its execute() tasks tracked too", "ThreadPoolTaskExecutor"));
				}
				else {
					assertThat(beans.get("simpleAsyncTaskExecutor"))
						.satisfies(notTracked("final methods", "@Async methods running on it are still tracked",
								"to have its submit() and execute() tracked too", "ThreadPoolTaskExecutor"));
				}
				if (AgentMode.attached()) {
					// The agent tracks it as it is: no proxy is needed.
					assertThat(beans).containsEntry("concreteThreadPoolExecutor",
							new ExecutorBeanDescriptor(true, null));
				}
				else {
					assertThat(beans.get("concreteThreadPoolExecutor"))
						.satisfies(notTracked("JDK class", "declare the bean as ExecutorService"));
				}
				assertThat(beans.get("finalMethodExecutor")).satisfies(notTracked("final methods [delegateName]"));
			});
	}

	private static Consumer<ExecutorBeanDescriptor> notTracked(String... reasons) {
		return (bean) -> {
			assertThat(bean.tracked()).isFalse();
			assertThat(bean.reason()).contains(reasons);
		};
	}

	/**
	 * Lose a control failure and wait until it is reported, twice: the second is
	 * collected by a later collection than anything lost before the first, so what was
	 * not reported by then is not reported.
	 */
	private static void awaitControl(ExecutorService control, RecordingListener listener) {
		for (int round = 0; round < 2; round++) {
			int expected = leaksOf(listener, "control").size() + 1;
			loseFailure(control);
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(leaksOf(listener, "control")).hasSize(expected);
			});
		}
	}

	private static List<LeakReport> leaksOf(RecordingListener listener, String executor) {
		return listener.leaks.stream().filter((report) -> report.executor().equals(executor)).toList();
	}

	private static void loseFailure(ExecutorService executor) {
		Future<Object> future = executor.submit(() -> {
			throw new IllegalStateException("lost");
		});
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	@Configuration(proxyBeanMethods = false)
	static class SelfWrappedConfiguration {

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService selfWrapped(TaskTracker tracker) {
			return tracker.wrap("selfWrapped", Executors.newFixedThreadPool(1));
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
