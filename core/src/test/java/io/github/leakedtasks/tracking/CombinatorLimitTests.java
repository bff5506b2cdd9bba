package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

/**
 * What the engine cannot see, measured so that the README documents it truthfully:
 * {@code allOf} and {@code anyOf} read a completed future's result through a
 * package-private field, calling no method the tracked future could override. With the
 * agent attached, {@code allOf} over a future that failed already is seen.
 */
class CombinatorLimitTests {

	private final TrackerFixture fixture = new TrackerFixture();

	private final ExecutorTracking tracking = this.fixture.tracker.executor("orders");

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void allOfCalledAfterTheFutureFailedIsInvisibleSoTheHandledFailureIsReported() {
		// The agent sees allOf take the wrapper's future, and hands it to the wrapper:
		// not reported then (the agent's CombinedAsyncFuturesTests).
		assumeFalse(SharedTracker.get().isPresent(), "a limit of the wrappers without the agent");
		handleThroughAllOfAfterFailure();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("orders")).hasSize(1);
		});
	}

	@Test
	void allOfOverAPendingDependentStageIsInvisibleSoTheHandledFailureIsReported() {
		handleDependentThroughAllOfWhilePending();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("orders")).hasSize(1);
		});
	}

	private void handleThroughAllOfAfterFailure() {
		CompletableFuture<String> future = UnretrievedFailureTests.failing(this.tracking);
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
		assertThat(CompletableFuture.allOf(future).handle((value, ex) -> ex).join())
			.isInstanceOf(CompletionException.class);
	}

	private void handleDependentThroughAllOfWhilePending() {
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Integer> dependent = UnretrievedFailureTests.completable(this.tracking, () -> {
			release.await();
			throw new IllegalStateException("late");
		}).thenApply(String::length);
		CompletableFuture<Void> all = CompletableFuture.allOf(dependent);
		release.countDown();
		assertThat(all.handle((value, ex) -> ex).join()).isInstanceOf(CompletionException.class);
	}

}
