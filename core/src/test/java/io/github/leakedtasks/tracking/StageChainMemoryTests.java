package io.github.leakedtasks.tracking;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A chain grown one stage at a time from a tracked future (a serial queue of stages,
 * {@code tail = tail.thenRunAsync(...)}): the stages that completed are let go of, with
 * their records and results, as they are without tracking.
 */
class StageChainMemoryTests {

	private final TrackerFixture fixture = new TrackerFixture();

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void completedStagesOfASerialChainAreLetGoOf() throws Exception {
		ExecutorService pool = this.fixture.pool("serial");
		CompletableFuture<Object> tail = this.fixture.tracker.executor("serial")
			.callAsync(() -> (Object) new byte[1024], pool);
		WeakReference<Object> firstRecord = null;
		WeakReference<Object> firstResult = null;
		for (int i = 0; i < 100; i++) {
			tail = tail.thenApplyAsync((previous) -> (Object) new byte[1024], pool).whenComplete((result, failure) -> {
			});
			if (i == 0) {
				firstRecord = new WeakReference<>(((TrackedCompletableFuture<?>) tail).record());
				firstResult = new WeakReference<>(tail.get(30, TimeUnit.SECONDS));
			}
		}
		assertThat(tail.get(30, TimeUnit.SECONDS)).isNotNull();
		WeakReference<Object> record = firstRecord;
		WeakReference<Object> result = firstResult;
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(record.get()).as("the first stage's record").isNull();
			assertThat(result.get()).as("the first stage's result").isNull();
		});
		assertThat(tail.join()).isNotNull();
	}

	@Test
	void failedStagesOfASerialChainAreLetGoOf() throws Exception {
		// One job threw: every stage added since fails at once, with the same failure.
		ExecutorService pool = this.fixture.pool("serial");
		CompletableFuture<Object> tail = this.fixture.tracker.executor("serial").callAsync(() -> {
			throw new IllegalStateException("first job");
		}, pool);
		TrackerFixture.awaitDone(tail);
		List<WeakReference<Object>> records = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			// Added faster than the detector looks at the stages that failed at once.
			tail = tail.thenApplyAsync((previous) -> (Object) new byte[1024], pool);
			if (i % 25 == 0) {
				records.add(new WeakReference<>(((TrackedCompletableFuture<?>) tail).record()));
			}
		}
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(records)
				.allSatisfy((record) -> assertThat(record.get()).as("an earlier stage's record").isNull());
		});
		assertThat(tail).failsWithin(Duration.ofSeconds(30))
			.withThrowableThat()
			.havingRootCause()
			.withMessage("first job");
	}

	/**
	 * A serial queue of {@code whenComplete} stages after one job threw: each stage's
	 * action sees the failure, and the stage fails with it. The stages before are let go
	 * of, as they are without tracking, though what each action saw is remembered.
	 */
	@Test
	void failedWhenCompleteStagesOfASerialChainAreLetGoOf() throws Exception {
		ExecutorService pool = this.fixture.pool("serial");
		CompletableFuture<Object> tail = this.fixture.tracker.executor("serial").callAsync(() -> {
			throw new IllegalStateException("first job");
		}, pool);
		TrackerFixture.awaitDone(tail);
		List<WeakReference<Object>> stages = new ArrayList<>();
		for (int i = 0; i < 100; i++) {
			tail = (i % 2 == 0) ? tail.whenComplete((result, failure) -> {
			}) : tail.whenCompleteAsync((result, failure) -> {
			}, pool);
			if (i % 25 == 0) {
				stages.add(new WeakReference<>(tail));
			}
		}
		assertThat(tail).failsWithin(Duration.ofSeconds(30))
			.withThrowableThat()
			.havingRootCause()
			.withMessage("first job");
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(stages).allSatisfy((stage) -> assertThat(stage.get()).as("an earlier stage").isNull());
		});
		assertThat(tail.isCompletedExceptionally()).isTrue();
	}

}
