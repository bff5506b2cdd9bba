package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakReport;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.TaskExecutor;
import org.springframework.scheduling.concurrent.ConcurrentTaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for a scheduler whose {@code ErrorHandler} receives what an executed task throws:
 * the executor handles the failure, which is then neither uncaught nor lost (README: "A
 * task whose exception its executor handles … is not reported").
 */
class SchedulerErrorHandlerTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
		.withUserConfiguration(Schedulers.class);

	@ParameterizedTest
	@ValueSource(strings = { "handlingThreadPoolTaskScheduler", "handlingConcurrentTaskScheduler" })
	void failureOfAnExecutedTaskThatTheSchedulersErrorHandlerReceivesIsNotReported(String name) {
		this.contextRunner.run((context) -> {
			RecordingListener listener = context.getBean(RecordingListener.class);
			IllegalStateException failure = new IllegalStateException("handled by the scheduler");
			context.getBean(name, TaskExecutor.class).execute(() -> {
				throw failure;
			});
			assertThat(context.getBean(ErrorProbe.class).received.poll(30, TimeUnit.SECONDS)).isSameAs(failure);
			awaitControl(context, listener);
			assertThat(listener.uncaught).isEmpty();
			assertThat(listener.leaks).extracting(LeakReport::task).containsOnly(Control.class.getName());
		});
	}

	@Test
	void failureOfAnExecutedTaskOnASchedulerWithoutErrorHandlerIsStillListedAsUncaught() {
		// With the agent, the scheduler is left unwrapped, and the failure its scheduled
		// future keeps is reported as never retrieved instead.
		assumeThat(AgentMode.attached()).isFalse();
		this.contextRunner.run((context) -> {
			RecordingListener listener = context.getBean(RecordingListener.class);
			IllegalStateException failure = new IllegalStateException("not handled");
			context.getBean("plainThreadPoolTaskScheduler", TaskExecutor.class).execute(() -> {
				throw failure;
			});
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(listener.uncaught).singleElement()
					.satisfies((report) -> assertThat(report.exception()).isSameAs(failure)));
		});
	}

	/**
	 * Wait until two failures lost after the one under test are reported, so that a
	 * report of that one would have arrived too.
	 */
	private static void awaitControl(org.springframework.context.ApplicationContext context,
			RecordingListener listener) {
		ThreadPoolTaskExecutor executor = context.getBean("controlExecutor", ThreadPoolTaskExecutor.class);
		for (int round = 1; round <= 2; round++) {
			Future<?> control = executor.submit(new Control());
			await().atMost(Duration.ofSeconds(30)).until(control::isDone);
			control = null;
			int expected = round;
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(listener.leaks).filteredOn((report) -> report.task().equals(Control.class.getName()))
					.hasSize(expected)
					.allSatisfy((report) -> assertThat(report.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED));
			});
		}
	}

	static final class Control implements Callable<Object> {

		@Override
		public Object call() {
			throw new IllegalStateException("control");
		}

	}

	static final class ErrorProbe {

		final BlockingQueue<Throwable> received = new LinkedBlockingQueue<>();

	}

	@Configuration(proxyBeanMethods = false)
	static class Schedulers {

		@Bean
		ErrorProbe errorProbe() {
			return new ErrorProbe();
		}

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

		@Bean
		ThreadPoolTaskScheduler handlingThreadPoolTaskScheduler(ErrorProbe probe) {
			ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
			scheduler.setErrorHandler(probe.received::add);
			return scheduler;
		}

		@Bean
		ConcurrentTaskScheduler handlingConcurrentTaskScheduler(ErrorProbe probe) {
			ConcurrentTaskScheduler scheduler = new ConcurrentTaskScheduler(
					Executors.newSingleThreadScheduledExecutor((task) -> {
						Thread thread = new Thread(task, "handling-concurrent-scheduler");
						thread.setDaemon(true);
						return thread;
					}));
			scheduler.setErrorHandler(probe.received::add);
			return scheduler;
		}

		@Bean
		ThreadPoolTaskScheduler plainThreadPoolTaskScheduler() {
			return new ThreadPoolTaskScheduler();
		}

		@Bean
		ThreadPoolTaskExecutor controlExecutor() {
			return new ThreadPoolTaskExecutor();
		}

	}

}
