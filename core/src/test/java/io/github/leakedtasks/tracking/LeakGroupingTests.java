package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Rules 7 and 8: leaks are grouped by place in bounded memory, and each new group is
 * logged once.
 */
class LeakGroupingTests {

	@Test
	void hundredThousandLostFailuresFromOnePlaceEndAsOneGroupWithExactCount() throws Exception {
		try (TrackerFixture fixture = new TrackerFixture()) {
			List<String> logged = new CopyOnWriteArrayList<>();
			fixture.tracker.addListener(new LoggingLeakListener((message, exception) -> logged.add(message)));
			ExecutorService executor = fixture.pool("storm");
			loseFailures(executor, 100_000);
			await().atMost(Duration.ofMinutes(2)).untilAsserted(() -> {
				System.gc();
				assertThat(fixture.tracker.summary().totals()).containsEntry(LeakKind.EXCEPTION_NOT_RETRIEVED,
						100_000L);
			});
			assertThat(fixture.tracker.leaks()).singleElement().satisfies((group) -> {
				assertThat(group.count()).isEqualTo(100_000);
				assertThat(group.status()).isEqualTo(LeakStatus.CONFIRMED);
			});
			assertThat(logged).hasSize(1);
			assertThat(fixture.tracker.watchedFailureCount()).isZero();
			assertThat(fixture.tracker.liveTaskCount()).isZero();
		}
	}

	@Test
	void oldestGroupsAreEvictedAndCountedPastTheCap() throws Exception {
		try (TrackerFixture fixture = new TrackerFixture(TrackingSettings.builder().maxGroups(3).build())) {
			ExecutorTracking tracking = fixture.tracker.executor("places");
			ExecutorService pool = fixture.register(Executors.newFixedThreadPool(2));
			for (int place = 0; place < 5; place++) {
				loseNamedFailure(tracking, pool, "place" + place);
				int confirmed = place + 1;
				await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					System.gc();
					assertThat(fixture.listener.leaks).hasSize(confirmed);
				});
			}
			assertThat(fixture.tracker.leaks()).extracting(LeakGroup::task)
				.containsExactly("place2", "place3", "place4");
			LeakSummary summary = fixture.tracker.summary();
			assertThat(summary.evictedGroups()).isEqualTo(2);
			assertThat(summary.totals()).containsEntry(LeakKind.EXCEPTION_NOT_RETRIEVED, 5L);
			assertThat(summary.executors().get("places")).containsEntry(LeakKind.EXCEPTION_NOT_RETRIEVED, 5L);
		}
	}

	@Test
	void placeBackAfterItsGroupWasEvictedIsCountedAgainButNotLoggedAgainUntilCleared() throws Exception {
		// More places than the cap once logged the same place at each of its returns.
		try (TrackerFixture fixture = new TrackerFixture(TrackingSettings.builder().maxGroups(2).build())) {
			List<String> logged = new CopyOnWriteArrayList<>();
			fixture.tracker.addListener(new LoggingLeakListener((message, exception) -> logged.add(message)));
			ExecutorTracking tracking = fixture.tracker.executor("places");
			ExecutorService pool = fixture.register(Executors.newFixedThreadPool(2));
			String[] places = { "place0", "place1", "place2", "place0", "place1" };
			for (int i = 0; i < places.length; i++) {
				loseNamedFailure(tracking, pool, places[i]);
				int confirmed = i + 1;
				await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					System.gc();
					assertThat(fixture.listener.leaks).hasSize(confirmed);
				});
			}
			assertThat(logged).hasSize(3);
			assertThat(fixture.tracker.leaks()).extracting(LeakGroup::task).containsExactly("place0", "place1");
			assertThat(fixture.tracker.summary().evictedGroups()).isEqualTo(3);
			fixture.tracker.clearLeaks();
			loseNamedFailure(tracking, pool, "place2");
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(fixture.listener.leaks).hasSize(places.length + 1);
				// The logging listener hears of it after the recording one.
				assertThat(logged).hasSize(4);
			});
		}
	}

	@Test
	void groupIdIsStableAndClearingKeepsTotals() throws Exception {
		try (TrackerFixture fixture = new TrackerFixture()) {
			ExecutorTracking tracking = fixture.tracker.executor("places");
			ExecutorService pool = fixture.register(Executors.newFixedThreadPool(2));
			loseNamedFailure(tracking, pool, "place");
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(fixture.listener.leaks).hasSize(1);
			});
			String id = fixture.tracker.leaks().get(0).id();
			loseNamedFailure(tracking, pool, "place");
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(fixture.listener.leaks).hasSize(2);
			});
			assertThat(fixture.tracker.leak(id)).hasValueSatisfying((group) -> assertThat(group.count()).isEqualTo(2));
			fixture.tracker.clearLeaks();
			assertThat(fixture.tracker.leaks()).isEmpty();
			assertThat(fixture.tracker.summary().totals()).containsEntry(LeakKind.EXCEPTION_NOT_RETRIEVED, 2L);
		}
	}

	@Test
	void sameExceptionTypeThrownAtTwoPlacesWithoutTracesIsLoggedForEach() throws Exception {
		// Without a trace (the agent's futures failed by hand have none) the second place
		// joined the first one's group and was never logged.
		try (TrackerFixture fixture = new TrackerFixture(CreationTraceMode.OFF)) {
			List<String> logged = new CopyOnWriteArrayList<>();
			fixture.tracker.addListener(new LoggingLeakListener((message, exception) -> logged.add(message)));
			ExecutorTracking tracking = fixture.tracker.executor("places");
			ExecutorService pool = fixture.register(Executors.newFixedThreadPool(2));
			for (int i = 0; i < 3; i++) {
				TrackerFixture.awaitDone(tracking.submit(LeakGroupingTests::fail, "task", pool::submit));
				TrackerFixture.awaitDone(tracking.submit(LeakGroupingTests::failElsewhere, "task", pool::submit));
			}
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(fixture.listener.leaks).hasSize(6);
			});
			assertThat(fixture.tracker.leaks()).singleElement()
				.satisfies((group) -> assertThat(group.count()).isEqualTo(6));
			assertThat(logged).hasSize(2);
		}
	}

	@Test
	void failuresWithoutFramesOrWhoseFramesCannotBeReadAreReportedInTheirGroups() throws Exception {
		try (TrackerFixture fixture = new TrackerFixture(CreationTraceMode.OFF)) {
			ExecutorTracking tracking = fixture.tracker.executor("places");
			ExecutorService pool = fixture.register(Executors.newFixedThreadPool(2));
			for (int i = 0; i < 2; i++) {
				TrackerFixture.awaitDone(tracking.submit(() -> {
					throw new FramelessException();
				}, "frameless", pool::submit));
				TrackerFixture.awaitDone(tracking.submit(() -> {
					throw new UnreadableFramesException();
				}, "unreadable", pool::submit));
			}
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(fixture.listener.leaks).hasSize(4);
			});
			assertThat(fixture.tracker.leaks()).extracting(LeakGroup::task, LeakGroup::count)
				.containsExactlyInAnyOrder(tuple("frameless", 2L), tuple("unreadable", 2L));
		}
	}

	private static void loseFailures(ExecutorService executor, int count) {
		Future<?> last = null;
		for (int i = 0; i < count; i++) {
			last = executor.submit(LeakGroupingTests::fail);
		}
		TrackerFixture.awaitDone(last);
	}

	private static void loseNamedFailure(ExecutorTracking tracking, ExecutorService pool, String name) {
		Future<Object> future = tracking.submit(LeakGroupingTests::fail, name, pool::submit);
		TrackerFixture.awaitDone(future);
	}

	private static Object fail() {
		throw new IllegalStateException("storm");
	}

	private static Object failElsewhere() {
		throw new IllegalStateException("storm");
	}

	static final class FramelessException extends RuntimeException {

		FramelessException() {
			super("no frames", null, false, false);
		}

	}

	static final class UnreadableFramesException extends RuntimeException {

		@Override
		public StackTraceElement[] getStackTrace() {
			throw new UnsupportedOperationException("frames");
		}

	}

}
