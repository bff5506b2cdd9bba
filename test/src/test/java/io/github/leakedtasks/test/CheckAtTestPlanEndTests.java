package io.github.leakedtasks.test;

import java.time.Duration;
import java.util.List;
import java.util.ServiceLoader;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;
import org.junit.jupiter.api.Test;
import org.junit.platform.launcher.LauncherDiscoveryRequest;
import org.junit.platform.launcher.TestExecutionListener;
import org.junit.platform.launcher.core.LauncherDiscoveryRequestBuilder;
import org.junit.platform.launcher.core.LauncherFactory;
import org.junit.platform.launcher.listeners.SummaryGeneratingListener;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * Tests of {@link CheckAtTestPlanEnd}: what a test lost without failing for it (its
 * future let go of, nothing collected yet) is reported when the test plan ends, before
 * the JVM exits.
 */
class CheckAtTestPlanEndTests {

	@Test
	void launcherFindsTheListener() {
		assertThat(ServiceLoader.load(TestExecutionListener.class))
			.anySatisfy((listener) -> assertThat(listener).isInstanceOf(CheckAtTestPlanEnd.class));
	}

	@Test
	void failureATestLetGoOfIsReportedWhenItsTestPlanEnds() throws Exception {
		TaskTracker tracker = Cases.tracker();
		Recording recording = new Recording();
		tracker.addListener(recording);
		ExecutorService pool = Cases.pool(tracker);
		try {
			LosesAFailure.pool = pool;
			SummaryGeneratingListener summary = new SummaryGeneratingListener();
			LauncherDiscoveryRequest request = LauncherDiscoveryRequestBuilder.request()
				.selectors(selectClass(LosesAFailure.class))
				.build();
			LauncherFactory.create().execute(request, summary);
			assertThat(summary.getSummary().getTestsSucceededCount()).isOne();
			// The tracker's grace period is ten minutes, and nothing here collects: only
			// the pass the test plan's end asked for proves it lost. Its report reaches
			// the listener on the detector's thread, so it is awaited.
			await().atMost(Duration.ofSeconds(60))
				.untilAsserted(() -> assertThat(recording.leaks).singleElement().satisfies((report) -> {
					assertThat(report.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED);
					assertThat(report.exception()).hasMessage("lost, the test passing all the same");
				}));
		}
		finally {
			LosesAFailure.pool = null;
			pool.shutdownNow();
			tracker.close();
		}
	}

	static final class Recording implements LeakListener {

		final List<LeakReport> leaks = new CopyOnWriteArrayList<>();

		@Override
		public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
			this.leaks.add(report);
		}

	}

	/**
	 * Run by the launcher above only.
	 */
	static class LosesAFailure {

		static volatile ExecutorService pool;

		@Test
		void losesAFailure() throws Exception {
			Future<String> lost = Cases.submitFailing(pool, "lost, the test passing all the same");
			await().atMost(Duration.ofSeconds(30)).until(lost::isDone);
		}

	}

}
