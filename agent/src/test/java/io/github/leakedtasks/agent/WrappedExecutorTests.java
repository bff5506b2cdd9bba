package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;

import static io.github.leakedtasks.agent.AgentFixture.awaitDetectorCaughtUp;
import static io.github.leakedtasks.agent.AgentFixture.awaitReported;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static io.github.leakedtasks.agent.AgentFixture.reportsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * An executor wrapped by an engine of the application's own, beside the agent: a lost
 * failure is reported once, by the wrapper when it tracks the future.
 */
class WrappedExecutorTests {

	private final TaskTracker tracker = TaskTracker.create();

	private final List<LeakReport> reports = new CopyOnWriteArrayList<>();

	private final ExecutorService executor = this.tracker.wrap("orders", Executors.newFixedThreadPool(2));

	WrappedExecutorTests() {
		this.tracker.addListener(new LeakListener() {

			@Override
			public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
				WrappedExecutorTests.this.reports.add(report);
			}

		});
	}

	@AfterEach
	void close() throws InterruptedException {
		this.executor.shutdown();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		this.tracker.close();
	}

	@Test
	void lostFailureOfWrappedSubmitIsReportedOnceByTheWrapper() {
		String marker = marker();
		submitIgnored(marker);
		awaitWrapperReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).isEmpty();
	}

	@Test
	void lostFailureOfSupplyAsyncOnWrappedExecutorIsReportedOnceByTheAgent() {
		// The wrapper sees an execute() whose task catches its own exception: only the
		// agent sees the CompletableFuture fail.
		String marker = marker();
		supplyAsyncIgnored(marker);
		awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).hasSize(1);
		assertThat(this.reports).noneSatisfy((report) -> assertThat(report.exception()).hasMessage(marker));
	}

	private void submitIgnored(String marker) {
		this.executor.submit(() -> {
			throw new IllegalStateException(marker);
		});
	}

	private void supplyAsyncIgnored(String marker) {
		CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException(marker);
		}, this.executor);
	}

	private void awaitWrapperReported(String marker) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.reports).anySatisfy((report) -> assertThat(report.exception()).hasMessage(marker));
		});
	}

}
