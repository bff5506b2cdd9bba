package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Rule 5: a failure still unretrieved after the grace period is listed as suspected
 * without waiting for a collection; the collector's proof confirms it, and only confirmed
 * leaks are counted.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = CreationTraceMode.class, names = { "SAMPLED", "OFF" })
class SuspectedFailureTests {

	private final TrackerFixture fixture;

	private Future<Object> held;

	SuspectedFailureTests(CreationTraceMode traceMode) {
		this.fixture = new TrackerFixture(traceMode);
	}

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void unretrievedFailureIsSuspectedAfterGracePeriodThenConfirmedByCollector() {
		this.held = this.fixture.pool("orders").submit(() -> {
			throw new IllegalStateException("unread");
		});
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.fixture.tracker.leaks()).singleElement()
				.satisfies((group) -> assertThat(group.status()).isEqualTo(LeakStatus.SUSPECTED)));
		assertThat(this.fixture.listener.leaks).isEmpty();
		assertThat(this.fixture.tracker.summary().totals()).isEmpty();
		this.held = null;
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.tracker.leaks()).singleElement().satisfies((group) -> {
				assertThat(group.status()).isEqualTo(LeakStatus.CONFIRMED);
				assertThat(group.count()).isOne();
			});
			// The listeners are called after the leak is listed.
			assertThat(this.fixture.listener.leaks).hasSize(1);
		});
	}

	@Test
	void suspectedFailuresFramesAreNotReadAndItsGroupKeepsItsIdOnceConfirmed() {
		// Read, an exception's frames stay with it (about 50 bytes a frame), and a
		// suspected failure may be one the application still holds.
		FramesCountingException exception = new FramesCountingException();
		this.held = this.fixture.pool("orders").submit(() -> {
			throw exception;
		});
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.fixture.tracker.leaks()).singleElement()
				.satisfies((group) -> assertThat(group.status()).isEqualTo(LeakStatus.SUSPECTED)));
		String suspectedId = this.fixture.tracker.leaks().get(0).id();
		// Sweeps ran since: a failure held later is suspected too.
		Future<Object> later = this.fixture.pool("later").submit(() -> {
			throw new IllegalStateException("later");
		});
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(this.fixture.tracker.leaks()).hasSize(2));
		assertThat(exception.framesRead).hasValue(0);
		this.held = null;
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("orders")).hasSize(1);
		});
		assertThat(this.fixture.tracker.leak(suspectedId)).hasValueSatisfying((group) -> {
			assertThat(group.status()).isEqualTo(LeakStatus.CONFIRMED);
			assertThat(group.executor()).isEqualTo("orders");
		});
		assertThat(exception.framesRead.get()).isPositive();
		assertThat(later).isDone();
	}

	@Test
	void suspicionIsWithdrawnWhenTheFailureIsRetrievedLate() {
		this.held = this.fixture.pool("orders").submit(() -> {
			throw new IllegalStateException("read late");
		});
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(this.fixture.tracker.leaks()).hasSize(1));
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(this.held::get);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(this.fixture.tracker.leaks()).isEmpty());
		assertThat(this.fixture.tracker.watchedFailureCount()).isZero();
	}

	@Test
	void suspectedCountRisesPastGracePeriodAndFallsWhenTheCollectorConfirms() {
		this.held = this.fixture.pool("orders").submit(() -> {
			throw new IllegalStateException("unread");
		});
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.fixture.tracker.suspectedCount("orders")).isOne());
		assertThat(this.fixture.tracker.suspectedCount("other")).isZero();
		this.held = null;
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaks).hasSize(1);
			assertThat(this.fixture.tracker.suspectedCount("orders")).isZero();
		});
		assertThat(this.fixture.tracker.summary().suspectedThenRetrieved()).isZero();
	}

	@Test
	void suspectedCountFallsAndIsCountedInTheSummaryWhenTheFailureIsRetrievedLate() {
		this.held = this.fixture.pool("orders").submit(() -> {
			throw new IllegalStateException("read late");
		});
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.fixture.tracker.suspectedCount("orders")).isOne());
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(this.held::get);
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.fixture.tracker.suspectedCount("orders")).isZero());
		assertThat(this.fixture.tracker.summary().suspectedThenRetrieved()).isOne();
		assertThat(this.fixture.tracker.summary().totals()).isEmpty();
	}

	@Test
	void failureRetrievedWithinGracePeriodIsNotCountedAsALateRetrieval() throws Exception {
		// A grace period no pause of a loaded machine between the failure and its
		// retrieval reaches.
		TrackerFixture patient = new TrackerFixture(
				TrackingSettings.builder().gracePeriod(Duration.ofMinutes(1)).build());
		try {
			Future<Object> future = patient.pool("orders").submit(() -> {
				throw new IllegalStateException("read soon");
			});
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(future::get);
			patient.awaitControlLeak();
			// A retrieved failure's watch ends at the detector's next sweep.
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(patient.tracker.watchedFailureCount()).isZero());
			assertThat(patient.tracker.summary().suspectedThenRetrieved()).isZero();
		}
		finally {
			patient.close();
		}
	}

	@Test
	void failureIsNotSuspectedBeforeGracePeriod() {
		TrackerFixture slow = new TrackerFixture(TrackingSettings.builder().gracePeriod(Duration.ofHours(1)).build());
		try {
			this.held = slow.pool("orders").submit(() -> {
				throw new IllegalStateException("recent");
			});
			TrackerFixture.awaitDone(this.held);
			assertThat(slow.tracker.watchedFailureCount()).isOne();
			assertThat(slow.tracker.leaks()).isEmpty();
		}
		finally {
			try {
				slow.close();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}
	}

}
