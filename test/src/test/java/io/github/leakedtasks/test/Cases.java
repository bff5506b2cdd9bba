package io.github.leakedtasks.test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.github.leakedtasks.tracking.CreationTraceMode;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TrackingSettings;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Runs test classes with {@link EngineTestKit}, and the trackers and tasks they use.
 */
final class Cases {

	private Cases() {
	}

	static EngineExecutionResults run(Class<?> cases) {
		return run(cases, Map.of());
	}

	static EngineExecutionResults run(Class<?> cases, Map<String, String> parameters) {
		return EngineTestKit.engine("junit-jupiter")
			.selectors(selectClass(cases))
			.configurationParameters(parameters)
			.execute();
	}

	/**
	 * Return a tracker that traces no task by itself: a test's tasks are traced because
	 * they belong to it.
	 */
	static TaskTracker tracker() {
		return TaskTracker.create(TrackingSettings.builder()
			.traceMode(CreationTraceMode.OFF)
			.gracePeriod(Duration.ofMinutes(10))
			.build());
	}

	static ExecutorService pool(TaskTracker tracker) {
		return tracker.wrap("cases", Executors.newFixedThreadPool(2));
	}

	static Callable<String> failing(String message) {
		return () -> {
			throw new IllegalStateException(message);
		};
	}

	/**
	 * Submit a task that fails and let go of its future.
	 */
	static void loseFailure(ExecutorService executor, String message) {
		executor.submit(failing(message));
	}

	static Future<String> submitFailing(ExecutorService executor, String message) {
		return executor.submit(failing(message));
	}

	static Event finished(Events events, String method) {
		return events.finished()
			.filter((event) -> event.getTestDescriptor().getDisplayName().startsWith(method + "("))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No test " + method + " finished"));
	}

	static String failureMessage(Events events, String method) {
		TestExecutionResult result = finished(events, method).getRequiredPayload(TestExecutionResult.class);
		assertThat(result.getStatus()).as(method).isEqualTo(TestExecutionResult.Status.FAILED);
		return result.getThrowable().orElseThrow().getMessage();
	}

	static void assertSucceeded(Events events, String method) {
		TestExecutionResult result = finished(events, method).getRequiredPayload(TestExecutionResult.class);
		assertThat(result.getStatus()).as(method + ": " + result.getThrowable().map(Throwable::toString).orElse(""))
			.isEqualTo(TestExecutionResult.Status.SUCCESSFUL);
	}

}
