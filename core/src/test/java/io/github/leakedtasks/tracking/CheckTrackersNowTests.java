package io.github.leakedtasks.tracking;

import java.lang.ref.Reference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.awaitility.core.ThrowingRunnable;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNullPointerException;
import static org.assertj.core.api.Assertions.catchThrowable;

/**
 * Tests for {@link TaskScope#checkTrackersNow}: the pass a tracker makes as it closes,
 * made now, by every open tracker, which stays open.
 */
class CheckTrackersNowTests {

	private static final Duration LONG = Duration.ofSeconds(60);

	@Test
	void failureNobodyRetrievedWhoseFutureIsUnreachableIsReportedAndTheTrackerTracksOn() throws Exception {
		try (TrackerFixture fixture = new TrackerFixture(withinTheGracePeriod())) {
			ExecutorService pool = fixture.pool("pool");
			Future<?> lost = pool.submit(new TrackerCloseTests.Failing("lost"));
			TrackerFixture.awaitDone(lost);
			Future<?> held = pool.submit(new TrackerCloseTests.Failing("held"));
			TrackerFixture.awaitDone(held);
			Future<?> read = pool.submit(new TrackerCloseTests.Failing("read"));
			assertThat(catchThrowable(() -> read.get(30, TimeUnit.SECONDS))).isInstanceOf(ExecutionException.class);
			// Held until here, so that no collection before the check can prove it lost.
			assertThat(fixture.listener.leaks).isEmpty();
			Reference.reachabilityFence(lost);
			lost = null;
			assertThat(TaskScope.checkTrackersNow(LONG)).isTrue();
			// A worker may hold the task a moment after its future completed: the next
			// check's collection proves it then.
			checkUntil(() -> assertThat(fixture.listener.leaks).singleElement().satisfies((report) -> {
				assertThat(report.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED);
				assertThat(report.exception()).hasMessage("lost");
			}));
			assertThat(TaskTracker.OPEN).contains(fixture.tracker);

			// Still tracking: a failure lost after the check is reported by the next one.
			Future<?> lostAfter = pool.submit(new TrackerCloseTests.Failing("lost after the check"));
			TrackerFixture.awaitDone(lostAfter);
			Reference.reachabilityFence(lostAfter);
			lostAfter = null;
			checkUntil(() -> assertThat(fixture.listener.leaks).extracting((report) -> report.exception().getMessage())
				.containsExactly("lost", "lost after the check"));
			assertThat(held.isDone()).isTrue();
		}
	}

	@Test
	void passWithNothingAtStakeReportsNothing() throws Exception {
		try (TrackerFixture fixture = new TrackerFixture(withinTheGracePeriod())) {
			ExecutorService pool = fixture.pool("pool");
			assertThat(pool.submit(() -> "done").get(30, TimeUnit.SECONDS)).isEqualTo("done");
			assertThat(TaskScope.checkTrackersNow(LONG)).isTrue();
			assertThat(fixture.listener.leaks).isEmpty();
		}
	}

	@Test
	void closedTrackerIsNotAsked() throws Exception {
		TrackerFixture fixture = new TrackerFixture(withinTheGracePeriod());
		assertThat(TaskTracker.OPEN).contains(fixture.tracker);
		fixture.close();
		assertThat(TaskTracker.OPEN).doesNotContain(fixture.tracker);
		assertThat(TaskScope.checkTrackersNow(LONG)).isTrue();
	}

	@Test
	void listenerAskingOnTheDetectorsThreadDoesNotWaitForItsOwnDetector() throws Exception {
		try (TrackerFixture fixture = new TrackerFixture()) {
			List<Boolean> answers = new CopyOnWriteArrayList<>();
			CountDownLatch answered = new CountDownLatch(1);
			fixture.tracker.addListener(new LeakListener() {

				@Override
				public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
					answers.add(TaskScope.checkTrackersNow(LONG));
					answered.countDown();
				}

			});
			fixture.awaitControlLeak();
			// The fixture's listener, which awaitControlLeak watches, runs before this
			// one: wait for this one's answers, within less than LONG. Its own detector
			// cannot make the pass while it runs the listener: each answer is false.
			assertThat(answered.await(30, TimeUnit.SECONDS)).isTrue();
			assertThat(answers).isNotEmpty().containsOnly(false);
		}
	}

	@Test
	void interruptedCallerIsAnsweredFalseAndKeepsItsInterrupt() throws Exception {
		try (TrackerFixture fixture = new TrackerFixture(withinTheGracePeriod())) {
			Thread.currentThread().interrupt();
			try {
				assertThat(TaskScope.checkTrackersNow(LONG)).isFalse();
				assertThat(Thread.currentThread().isInterrupted()).isTrue();
			}
			finally {
				Thread.interrupted();
			}
			// The pass asked for is made all the same; the next one is answered.
			assertThat(TaskScope.checkTrackersNow(LONG)).isTrue();
		}
	}

	@Test
	void passNotMadeWithinTheTimeoutIsAnsweredFalseAndLaterOnesAreMade() throws Exception {
		try (TrackerFixture fixture = new TrackerFixture()) {
			CountDownLatch blocked = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			fixture.tracker.addListener(new LeakListener() {

				@Override
				public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
					blocked.countDown();
					try {
						release.await(60, TimeUnit.SECONDS);
					}
					catch (InterruptedException ex) {
						Thread.currentThread().interrupt();
					}
				}

			});
			try {
				// The listener holds the detector's thread from the first report on.
				fixture.awaitFirstControlLeak();
				assertThat(blocked.await(60, TimeUnit.SECONDS)).isTrue();
				// The detector's thread is held by the listener.
				assertThat(TaskScope.checkTrackersNow(Duration.ofMillis(200))).isFalse();
			}
			finally {
				release.countDown();
			}
			assertThat(TaskScope.checkTrackersNow(LONG)).isTrue();
		}
	}

	@Test
	void nullTimeoutIsRefused() {
		assertThatNullPointerException().isThrownBy(() -> TaskScope.checkTrackersNow(null))
			.withMessage("timeout must not be null");
	}

	/**
	 * Check the trackers until the assertion holds: each check is a collection.
	 */
	private static void checkUntil(ThrowingRunnable assertion) {
		org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			TaskScope.checkTrackersNow(LONG);
			assertion.run();
		});
	}

	private static TrackingSettings withinTheGracePeriod() {
		return TrackingSettings.builder().gracePeriod(Duration.ofHours(1)).traceMode(CreationTraceMode.SAMPLED).build();
	}

}
