package io.github.leakedtasks.agent;

import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.Test;

import static io.github.leakedtasks.agent.AgentFixture.awaitDetectorCaughtUp;
import static io.github.leakedtasks.agent.AgentFixture.awaitReported;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static io.github.leakedtasks.agent.AgentFixture.reportsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code obtrudeException} replaces a future's failure: the failure it held counts as
 * observed (the application chose to overwrite it, as with {@code obtrudeValue}), and the
 * new one is watched as a failure of its own, also after the first was read.
 */
class ObtrudedFailuresTests {

	@Test
	void aFailurePutOverOneThatWasReadIsReportedWhenDropped() {
		AgentFixture.collectReports();
		String first = marker();
		String second = marker();
		obtrudeAfterReading(first, second);
		assertThat(awaitReported(second).exception()).hasMessage(second);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(first)).isEmpty();
		assertThat(reportsOf(second)).hasSize(1);
	}

	@Test
	void aFailurePutOverOneThatWasNotReadIsReportedInsteadOfIt() {
		AgentFixture.collectReports();
		String first = marker();
		String second = marker();
		CompletableFuture<String> future = new CompletableFuture<>();
		future.completeExceptionally(new IllegalStateException(first));
		future.obtrudeException(new IllegalStateException(second));
		future = null;
		assertThat(awaitReported(second).exception()).hasMessage(second);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(first)).isEmpty();
	}

	@Test
	void aFailurePutOverAnotherAndReadIsNotReported() {
		AgentFixture.collectReports();
		String first = marker();
		String second = marker();
		CompletableFuture<String> future = new CompletableFuture<>();
		future.completeExceptionally(new IllegalStateException(first));
		future.obtrudeException(new IllegalStateException(second));
		assertThatExceptionOfType(CompletionException.class).isThrownBy(future::join)
			.withRootCauseExactlyInstanceOf(IllegalStateException.class)
			.havingCause()
			.withMessage(second);
		future = null;
		awaitDetectorCaughtUp();
		assertThat(reportsOf(first)).isEmpty();
		assertThat(reportsOf(second)).isEmpty();
	}

	@Test
	void aCancellationPutOverAFailureThatWasNotReadIsNotReported() {
		AgentFixture.collectReports();
		String marker = marker();
		CompletableFuture<String> future = new CompletableFuture<>();
		future.completeExceptionally(new IllegalStateException(marker));
		future.obtrudeException(new CancellationException(marker));
		assertThat(future.isCancelled()).isTrue();
		future = null;
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).isEmpty();
	}

	@Test
	void theSameFailurePutOverItselfAfterItWasReadIsNotReported() {
		AgentFixture.collectReports();
		String marker = marker();
		IllegalStateException failure = new IllegalStateException(marker);
		CompletableFuture<String> future = new CompletableFuture<>();
		future.completeExceptionally(failure);
		assertThatExceptionOfType(CompletionException.class).isThrownBy(future::join);
		future.obtrudeException(failure);
		future = null;
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).isEmpty();
	}

	private static void obtrudeAfterReading(String first, String second) {
		CompletableFuture<String> future = new CompletableFuture<>();
		future.completeExceptionally(new IllegalStateException(first));
		assertThatExceptionOfType(CompletionException.class).isThrownBy(future::join);
		future.obtrudeException(new IllegalStateException(second));
	}

}
