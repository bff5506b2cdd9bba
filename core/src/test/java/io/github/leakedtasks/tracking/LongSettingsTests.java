package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A grace period or overdue threshold too long for a count of nanoseconds (a setting
 * meant as "never") means never: the tracker starts, and detection goes on.
 */
class LongSettingsTests {

	@ParameterizedTest
	@ValueSource(longs = { 106_752, 200_000, Long.MAX_VALUE / 86_400 })
	void durationLongerThan292YearsNeverSuspectsNorListsOverdueAndLostFailuresAreStillReported(long days)
			throws Exception {
		Duration never = Duration.ofDays(days);
		TrackingSettings settings = TrackingSettings.builder().gracePeriod(never).overdueThreshold(never).build();
		try (TrackerFixture fixture = new TrackerFixture(settings)) {
			ExecutorService pool = fixture.pool("orders");
			Future<Object> held = pool.submit(() -> {
				throw new IllegalStateException("held");
			});
			CountDownLatch release = new CountDownLatch(1);
			pool.submit(() -> release.await(30, TimeUnit.SECONDS));
			TrackerFixture.awaitDone(held);
			fixture.awaitControlLeak();
			assertThat(fixture.tracker.suspectedCount("orders")).isZero();
			assertThat(fixture.tracker.overdueTasks()).isEmpty();
			assertThat(fixture.tracker.leaks()).noneMatch((group) -> group.status() == LeakStatus.SUSPECTED);
			release.countDown();
		}
	}

}
