package io.github.leakedtasks.agent;

import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import io.github.leakedtasks.tracking.UntrackedType;
import org.junit.jupiter.api.Test;

import static io.github.leakedtasks.agent.AgentFixture.awaitDetectorCaughtUp;
import static io.github.leakedtasks.agent.AgentFixture.awaitReported;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static io.github.leakedtasks.agent.AgentFixture.reportsOf;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A {@code CompletableFuture} a class fails while it initializes is a constant of that
 * class, a sentinel it keeps failed and hands out for good (graphql-java's
 * {@code NoOpValueCache}), not a task's lost failure: not watched, so neither suspected
 * while the class holds it nor reported if it lets go of it, and the class is listed as
 * untracked with why. The same futures made outside a class initializer are reported.
 */
class ConstantFailuresTests {

	@Test
	void futuresFailedByAClassInitializerAreNotWatched() {
		AgentFixture.collectReports();
		// Initializes the class: its sentinels are made, two of them dropped at once.
		assertThat(Sentinels.KEPT.isCompletedExceptionally()).isTrue();
		assertThat(Sentinels.KEPT_BORN_FAILED.isCompletedExceptionally()).isTrue();
		awaitDetectorCaughtUp();
		assertThat(reportsOf(Sentinels.DROPPED)).isEmpty();
		assertThat(reportsOf(Sentinels.DROPPED_BORN_FAILED)).isEmpty();
		assertThat(LeakedTasksAgent.tracker().orElseThrow().untrackedTypes())
			.contains(new UntrackedType(Sentinels.class.getName(), EngineSink.INITIALIZER_REASON));
	}

	@Test
	void sameFuturesFailedOutsideAClassInitializerAreReported() {
		String explicit = marker();
		String bornFailed = marker();
		Sentinels.failedThroughAHelper(explicit);
		CompletableFuture.failedFuture(new IllegalStateException(bornFailed));
		assertThat(awaitReported(explicit).exception()).hasMessage(explicit);
		assertThat(awaitReported(bornFailed).exception()).hasMessage(bornFailed);
	}

	static final class Sentinels {

		static final String DROPPED = UUID.randomUUID().toString();

		static final String DROPPED_BORN_FAILED = UUID.randomUUID().toString();

		/** Failed explicitly, two calls down from the initializer. */
		static final CompletableFuture<Object> KEPT = failedThroughAHelper("kept " + UUID.randomUUID());

		static final CompletableFuture<Object> KEPT_BORN_FAILED = CompletableFuture
			.failedFuture(new IllegalStateException("kept " + UUID.randomUUID()));

		static {
			failedThroughAHelper(DROPPED);
			CompletableFuture.failedFuture(new IllegalStateException(DROPPED_BORN_FAILED));
		}

		private Sentinels() {
		}

		static CompletableFuture<Object> failedThroughAHelper(String message) {
			return failed(new IllegalStateException(message));
		}

		private static CompletableFuture<Object> failed(Throwable failure) {
			CompletableFuture<Object> future = new CompletableFuture<>();
			future.completeExceptionally(failure);
			return future;
		}

	}

}
