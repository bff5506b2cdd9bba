package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.FutureTask;

import net.bytebuddy.leakedtasks.FrameworkTaskFactory;
import org.junit.jupiter.api.Test;

import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TrackingSettings;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent with the default {@code sampled} traces: the first tasks of each task type
 * get a creation trace, later ones none, so that a task that succeeds past them allocates
 * nothing.
 */
class SampledTracesTests {

	@Test
	void firstTasksOfATypeAreTracedAndLaterOnesAreNot() {
		int traced = TrackingSettings.defaults().tracedTasksPerType();
		String marker = AgentFixture.marker();
		for (int i = 0; i < traced + 5; i++) {
			new FutureTask<>(new Failing(marker)).run();
		}
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(AgentFixture.reportsOf(marker)).hasSize(traced + 5);
		});
		List<LeakReport> reports = AgentFixture.reportsOf(marker);
		assertThat(reports).filteredOn((report) -> report.creationTrace() != null)
			.hasSize(traced)
			.allSatisfy((report) -> assertThat(report.creationTrace().frames())
				.anySatisfy((frame) -> assertThat(frame.getClassName()).isEqualTo(SampledTracesTests.class.getName())));
		assertThat(reports).allSatisfy((report) -> assertThat(report.task()).isEqualTo(Failing.class.getName()));
	}

	/**
	 * The lambdas of a class share its type's name, but the first traces are counted per
	 * lambda: a lambda whose tasks all succeed does not use up those of another place in
	 * the same class, whose first leak shows where it came from.
	 */
	@Test
	void firstLeakOfALambdaIsTracedAfterAnotherLambdaOfItsClassUsedUpItsFirstTraces() throws Exception {
		int traced = TrackingSettings.defaults().tracedTasksPerType();
		for (int i = 0; i < traced + 5; i++) {
			FutureTask<Object> handled = new FutureTask<>(() -> "ok");
			handled.run();
			assertThat(handled.get()).isEqualTo("ok");
		}
		String marker = AgentFixture.marker();
		leakFromAnotherLambda(marker);
		LeakReport report = AgentFixture.awaitReported(marker);
		assertThat(report.creationTrace()).isNotNull();
		assertThat(report.creationTrace().site().getMethodName()).isEqualTo("leakFromAnotherLambda");
	}

	/**
	 * Byte Buddy is among the frameworks whose frames a report's line skips; the agent's
	 * jar relocates its own copy of Byte Buddy, which must not move the application's.
	 */
	@Test
	void aTaskCreatedInByteBuddysPackageNamesItsCallersLine() {
		String marker = AgentFixture.marker();
		FrameworkTaskFactory.runFailingTask(marker);
		LeakReport report = AgentFixture.awaitReported(marker);
		assertThat(report.creationTrace()).isNotNull();
		assertThat(report.creationTrace().frames())
			.anySatisfy((frame) -> assertThat(frame.getClassName()).isEqualTo(FrameworkTaskFactory.class.getName()));
		assertThat(report.creationTrace().origin().getClassName()).isEqualTo(SampledTracesTests.class.getName());
		assertThat(report.creationTrace().origin().getMethodName())
			.isEqualTo("aTaskCreatedInByteBuddysPackageNamesItsCallersLine");
	}

	private static void leakFromAnotherLambda(String marker) {
		new FutureTask<>(() -> {
			throw new IllegalStateException(marker);
		}).run();
	}

	/**
	 * A task type of this test's own: no other test creates tasks of it.
	 */
	static final class Failing implements Callable<Object> {

		private final String message;

		Failing(String message) {
			this.message = message;
		}

		@Override
		public Object call() {
			throw new IllegalStateException(this.message);
		}

	}

}
