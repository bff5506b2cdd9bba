package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Futures the engine did not create, followed through {@link FutureEvents}.
 */
class FutureEventsTests {

	private final TaskTracker tracker = TaskTracker.create(
			TrackingSettings.builder().traceMode(CreationTraceMode.ALWAYS).gracePeriod(Duration.ofMinutes(1)).build());

	private final RecordingListener listener = new RecordingListener();

	private final FutureEvents events = new FutureEvents(this.tracker, "agent");

	FutureEventsTests() {
		this.tracker.addListener(this.listener);
	}

	@AfterEach
	void close() {
		this.tracker.close();
	}

	@Test
	void failureOfFutureCollectedUnreadIsReported() {
		failIgnored(new IllegalStateException("lost"));
		awaitReports(1);
		LeakReport report = this.listener.leaks.get(0);
		assertThat(report.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED);
		assertThat(report.executor()).isEqualTo("agent");
		assertThat(report.exception()).hasMessage("lost");
	}

	@Test
	void wrappedFailureIsReportedUnwrapped() {
		failIgnored(new CompletionException(new IllegalStateException("inner")));
		awaitReports(1);
		assertThat(this.listener.leaks.get(0).exception()).isInstanceOf(IllegalStateException.class);
	}

	@Test
	void retrievedFailureIsNotReported() {
		failRetrieved("retrieved");
		failIgnored(new IllegalStateException("control"));
		awaitReports(1);
		assertThat(this.listener.leaks).extracting((report) -> report.exception().getMessage())
			.containsExactly("control");
	}

	@Test
	void failureObservedBeforeItIsReportedIsNotReported() {
		Object future = new Object();
		this.events.observed(future);
		this.events.failed(future, new IllegalStateException("handed on"));
		future = null;
		failIgnored(new IllegalStateException("control"));
		awaitReports(1);
		assertThat(this.listener.leaks).extracting((report) -> report.exception().getMessage())
			.containsExactly("control");
	}

	@Test
	void cancellationIsNotAFailure() {
		failIgnored(new CancellationException());
		failIgnored(new CompletionException(new CancellationException()));
		failIgnored(new IllegalStateException("control"));
		awaitReports(1);
		assertThat(this.listener.leaks).extracting((report) -> report.exception().getMessage())
			.containsExactly("control");
	}

	@Test
	void creationTraceAndTaskTypeAreThoseOfTheCreation() {
		createdThenFailedIgnored();
		awaitReports(1);
		LeakReport report = this.listener.leaks.get(0);
		assertThat(report.task()).isEqualTo(Thread.class.getName());
		assertThat(report.thread()).isEqualTo(Thread.currentThread().getName());
		assertThat(report.creationTrace().frames()).extracting(StackTraceElement::getMethodName)
			.contains("createdThenFailedIgnored");
	}

	@Test
	void nothingIsRememberedForFuturesThatSucceed() {
		for (int i = 0; i < 100; i++) {
			this.events.retrieved(new Object());
		}
		assertThat(this.events.rememberedCount()).isZero();
	}

	private void failIgnored(Throwable failure) {
		this.events.failed(new Object(), failure);
	}

	private void failRetrieved(String message) {
		Object future = new Object();
		this.events.failed(future, new IllegalStateException(message));
		this.events.retrieved(future);
	}

	private void createdThenFailedIgnored() {
		Object future = new Object();
		this.events.created(future, new Thread());
		this.events.failed(future, new IllegalStateException("traced"));
	}

	private void awaitReports(int count) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaks).hasSizeGreaterThanOrEqualTo(count);
		});
		// Anything collected with the reported ones has been decided by now.
		Object barrier = new Object();
		this.events.failed(barrier, new IllegalStateException("barrier"));
		this.events.retrieved(barrier);
	}

}
