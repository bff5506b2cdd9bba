package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The first traces of periodic tasks are counted as those of other tasks: each lambda
 * apart, although the lambdas of a class share its type's name.
 */
class PeriodicTaskTracesTests {

	private final TrackerFixture fixture = new TrackerFixture(
			TrackingSettings.builder().tracedTasksPerType(1).sampleRate(1_000_000).build());

	private final ScheduledExecutorService scheduler = this.fixture.tracker.wrap("scheduler",
			this.fixture.register(Executors.newScheduledThreadPool(1)));

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void periodicTaskOfALambdaIsTracedAfterAnotherLambdaOfItsClassUsedUpItsFirstTrace() {
		ScheduledFuture<?> quiet = this.scheduler.scheduleAtFixedRate(() -> {
		}, 1, 1, TimeUnit.HOURS);
		quiet.cancel(false);
		scheduleDying();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("scheduler")).hasSize(1);
		});
		LeakReport report = this.fixture.listener.leaksOf("scheduler").get(0);
		assertThat(report.creationTrace()).isNotNull();
		assertThat(report.creationTrace().site().getMethodName()).isEqualTo("scheduleDying");
	}

	private void scheduleDying() {
		this.scheduler.scheduleAtFixedRate(() -> {
			throw new IllegalStateException("died");
		}, 0, 1, TimeUnit.MILLISECONDS);
	}

}
