package io.github.leakedtasks.tracking;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Rule 1 and 2: a failure nobody retrieved is reported once the collector proves its
 * future unreachable; a failure retrieved in any way is not.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = CreationTraceMode.class, names = { "SAMPLED", "OFF" })
class UnretrievedFailureTests {

	private final TrackerFixture fixture;

	private final ExecutorService executor;

	UnretrievedFailureTests(CreationTraceMode traceMode) {
		this.fixture = new TrackerFixture(traceMode);
		this.executor = this.fixture.pool("orders");
	}

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void failureIsReportedWhenSubmitFutureIsCollectedUnread() {
		loseSubmitFailure();
		awaitLeaks("orders", 1);
		LeakReport report = this.fixture.listener.leaksOf("orders").get(0);
		assertThat(report.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED);
		assertThat(report.exception()).isInstanceOf(IllegalStateException.class).hasMessage("lost");
		assertThat(report.thread()).isEqualTo(Thread.currentThread().getName());
	}

	@Test
	void failureOfSubmittedRunnableIsReportedWhenCollectedUnread() {
		TrackerFixture.awaitDone(this.executor.submit((Runnable) () -> {
			throw new IllegalArgumentException("runnable");
		}));
		awaitLeaks("orders", 1);
		assertThat(this.fixture.listener.leaks.get(0).exception()).isInstanceOf(IllegalArgumentException.class);
	}

	@Test
	void completableFailureIsReportedWhenCollectedUnread() {
		loseCompletableFailure(this.fixture.tracker.executor("orders"));
		awaitLeaks("orders", 1);
		assertThat(this.fixture.listener.leaks.get(0).exception()).isInstanceOf(IOException.class);
	}

	@Test
	void chainFromFailedFutureIsReportedOnceAtItsEnd() {
		loseChain(this.fixture.tracker.executor("orders"));
		awaitLeaks("orders", 1);
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("orders")).hasSize(1);
		assertThat(this.fixture.listener.leaks.get(0).exception()).isInstanceOf(IOException.class);
	}

	@Test
	void failureThrownByDependentStageIsReported() {
		ExecutorTracking tracking = this.fixture.tracker.executor("orders");
		CompletableFuture<String> ok = completable(tracking, () -> "ok");
		ok.join();
		dropDependent(ok);
		awaitLeaks("orders", 1);
		assertThat(this.fixture.listener.leaks.get(0).exception()).isInstanceOf(ArithmeticException.class);
	}

	@Test
	void failureRetrievedWithGetIsNotReported() throws Exception {
		Future<Object> future = this.executor.submit(() -> {
			throw new IllegalStateException("read");
		});
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(future::get)
			.withCauseInstanceOf(IllegalStateException.class);
		future = null;
		assertNothingReportedFor("orders");
	}

	@Test
	void failureRetrievedWithTimedGetIsNotReported() {
		Future<Object> future = this.executor.submit(() -> {
			throw new IllegalStateException("read");
		});
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> future.get(30, TimeUnit.SECONDS));
		assertNothingReportedFor("orders");
	}

	@Test
	void failureRetrievedWithJoinIsNotReported() {
		CompletableFuture<String> future = failing(this.fixture.tracker.executor("orders"));
		assertThatExceptionOfType(CompletionException.class).isThrownBy(future::join);
		assertNothingReportedFor("orders");
	}

	@Test
	void failureJoinedBesideADroppedStageIsNotReported() {
		CompletableFuture<String> future = failing(this.fixture.tracker.executor("orders"));
		CompletableFuture<Integer> dropped = future.thenApply(String::length);
		assertThatExceptionOfType(CompletionException.class).isThrownBy(future::join);
		await().atMost(Duration.ofSeconds(30)).until(dropped::isDone);
		dropped = null;
		assertNothingReportedFor("orders");
	}

	@Test
	void failureSeenByWhenCompleteBesideADroppedStageIsNotReported() throws Exception {
		CountDownLatch seen = new CountDownLatch(1);
		ExecutorService one = Executors.newSingleThreadExecutor();
		try {
			CompletableFuture<String> future = completable(this.fixture.tracker.executor("orders"), () -> {
				throw new IOException("failed");
			}, one);
			future.whenComplete((value, ex) -> seen.countDown());
			future.thenAccept((value) -> {
			});
			assertThat(seen.await(30, TimeUnit.SECONDS)).isTrue();
			// The action's thread notes that it saw the failure once the action returned:
			// done when that thread runs its next task (the action ran there, or on this
			// thread before whenComplete returned).
			one.submit(() -> {
			}).get(30, TimeUnit.SECONDS);
			assertNothingReportedFor("orders");
		}
		finally {
			one.shutdown();
		}
	}

	@Test
	void failureHandledBesideADroppedStageIsNotReported() {
		CompletableFuture<String> future = failing(this.fixture.tracker.executor("orders"));
		future.thenAccept((value) -> {
		});
		assertThat(future.exceptionally((ex) -> "recovered").join()).isEqualTo("recovered");
		assertNothingReportedFor("orders");
	}

	@Test
	void failureHandledThroughAStageBesideADroppedStageIsNotReported() {
		CompletableFuture<String> future = failing(this.fixture.tracker.executor("orders"));
		CompletableFuture<Integer> dropped = future.thenApply(String::length);
		assertThat(future.thenApply(String::length).exceptionally((ex) -> -1).join()).isEqualTo(-1);
		await().atMost(Duration.ofSeconds(30)).until(dropped::isDone);
		dropped = null;
		assertNothingReportedFor("orders");
	}

	@Test
	void failureCarriedOnByTwoDroppedStagesIsReported() {
		dropTwoStages(failing(this.fixture.tracker.executor("orders")));
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("orders")).isNotEmpty()
				.allSatisfy((report) -> assertThat(report.exception()).isInstanceOf(IOException.class));
		});
	}

	@Test
	void failureOfAHandlerBesideADroppedStageIsReported() {
		dropAStageBesideAHandlerThatThrows(failing(this.fixture.tracker.executor("orders")));
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("orders"))
				.anySatisfy((report) -> assertThat(report.exception()).hasMessage("handler"));
		});
	}

	@Test
	void failureBesideAHandlerItsExecutorRefusedIsReported() {
		dropAStageBesideARefusedHandler(failing(this.fixture.tracker.executor("orders")));
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("orders"))
				.anySatisfy((report) -> assertThat(report.exception()).isInstanceOf(IOException.class));
		});
	}

	@Test
	void failureHandledWithExceptionallyIsNotReported() {
		CompletableFuture<String> future = failing(this.fixture.tracker.executor("orders"));
		assertThat(future.exceptionally((ex) -> "recovered").join()).isEqualTo("recovered");
		assertNothingReportedFor("orders");
	}

	@Test
	void failureHandledWithHandleIsNotReported() {
		CompletableFuture<String> future = failing(this.fixture.tracker.executor("orders"));
		assertThat(future.handle((value, ex) -> (ex != null) ? "handled" : value).join()).isEqualTo("handled");
		assertNothingReportedFor("orders");
	}

	@Test
	void failureSeenByWhenCompleteIsNotReportedWhenReturnedFutureIsDiscarded() throws InterruptedException {
		CountDownLatch seen = new CountDownLatch(1);
		CompletableFuture<String> future = failing(this.fixture.tracker.executor("orders"));
		future.whenComplete((value, ex) -> seen.countDown());
		assertThat(seen.await(30, TimeUnit.SECONDS)).isTrue();
		assertNothingReportedFor("orders");
	}

	@Test
	void failureThrownByWhenCompleteActionIsReported() throws InterruptedException {
		CountDownLatch ran = new CountDownLatch(1);
		CompletableFuture<String> future = completable(this.fixture.tracker.executor("orders"), () -> "ok");
		future.join();
		future.whenComplete((value, ex) -> {
			ran.countDown();
			throw new ArithmeticException("in action");
		});
		assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
		awaitLeaks("orders", 1);
		assertThat(this.fixture.listener.leaks.get(0).exception()).isInstanceOf(ArithmeticException.class);
	}

	@Test
	void rejectionOfAWhenCompleteAsyncActionIsReported() {
		// The action never ran: what its stage delivers is the rejection, handed to
		// nobody. The future's own failure went to the stage.
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> future = completable(this.fixture.tracker.executor("orders"), () -> {
			release.await();
			throw new IOException("late");
		});
		future.whenCompleteAsync((value, ex) -> {
		}, (command) -> {
			throw new RejectedExecutionException("refused");
		});
		release.countDown();
		awaitLeaks("orders", 1);
		assertThat(this.fixture.listener.leaksOf("orders").get(0).exception())
			.isInstanceOf(RejectedExecutionException.class);
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("orders")).hasSize(1);
	}

	@Test
	void failureOfFutureGivenPendingToAllOfThenHandledIsNotReported() {
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> future = completable(this.fixture.tracker.executor("orders"), () -> {
			release.await();
			throw new IOException("late");
		});
		CompletableFuture<Void> all = CompletableFuture.allOf(future);
		future = null;
		release.countDown();
		assertThat(all.handle((value, ex) -> ex).join()).isInstanceOf(CompletionException.class);
		assertNothingReportedFor("orders");
	}

	@Test
	void failureOfFutureGivenPendingToAnyOfThenHandledIsNotReported() {
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> future = completable(this.fixture.tracker.executor("orders"), () -> {
			release.await();
			throw new IOException("late");
		});
		// Two arguments: with one, anyOf takes a copy of the future, a dependent stage,
		// not the AnyOf combinator.
		CompletableFuture<Object> any = CompletableFuture.anyOf(future, new CompletableFuture<String>());
		future = null;
		release.countDown();
		assertThat(any.handle((value, ex) -> ex).join()).isInstanceOf(CompletionException.class);
		assertNothingReportedFor("orders");
	}

	@Test
	void failureOfAnAnyOfInputThatLostTheRaceIsReported() {
		loseAnyOfLoser(this.fixture.tracker.executor("orders"));
		awaitLeaks("orders", 1);
		assertThat(this.fixture.listener.leaks.get(0).exception()).isInstanceOf(IOException.class);
	}

	/**
	 * A failure of an input after another input completed the combined future reaches
	 * nobody, as asyncio reports for {@code asyncio.wait(..., FIRST_COMPLETED)}.
	 */
	private static void loseAnyOfLoser(ExecutorTracking tracking) {
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> loser = completable(tracking, () -> {
			release.await();
			throw new IOException("too late");
		});
		CompletableFuture<String> winner = new CompletableFuture<>();
		CompletableFuture<Object> any = CompletableFuture.anyOf(loser, winner);
		winner.complete("first");
		assertThat(any.join()).isEqualTo("first");
		release.countDown();
		await().atMost(Duration.ofSeconds(30)).until(loser::isDone);
	}

	@Test
	void failureComposedIntoAnotherStageIsNotReportedWhenThatStageIsHandled() {
		ExecutorTracking tracking = this.fixture.tracker.executor("orders");
		CompletableFuture<String> composed = CompletableFuture.completedFuture("start")
			.thenCompose((value) -> failing(tracking));
		assertThat(composed.handle((value, ex) -> ex).join()).isInstanceOf(CompletionException.class);
		assertNothingReportedFor("orders");
	}

	@Test
	void cancelledTaskIsNotReported() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		Future<Object> future = this.executor.submit(() -> {
			started.countDown();
			new CountDownLatch(1).await();
			return null;
		});
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		future.cancel(true);
		future = null;
		assertNothingReportedFor("orders");
	}

	@Test
	void successfulTaskWhoseResultNobodyReadIsNotReported() {
		TrackerFixture.awaitDone(this.executor.submit(() -> "unread"));
		assertNothingReportedFor("orders");
		assertThat(this.fixture.tracker.liveTaskCount()).isZero();
	}

	@Test
	void failureIsReportedExactlyOnce() {
		loseSubmitFailure();
		awaitLeaks("orders", 1);
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("orders")).hasSize(1);
	}

	private void loseSubmitFailure() {
		Future<Object> future = this.executor.submit(() -> {
			throw new IllegalStateException("lost");
		});
		TrackerFixture.awaitDone(future);
	}

	private static void loseCompletableFailure(ExecutorTracking tracking) {
		CompletableFuture<String> future = failing(tracking);
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	private static void loseChain(ExecutorTracking tracking) {
		CompletableFuture<Integer> end = failing(tracking).thenApply(String::length).thenApply((length) -> length + 1);
		await().atMost(Duration.ofSeconds(30)).until(end::isDone);
	}

	private static void dropTwoStages(CompletableFuture<String> future) {
		CompletableFuture<Integer> first = future.thenApply(String::length);
		CompletableFuture<Integer> second = future.thenApply(String::length);
		await().atMost(Duration.ofSeconds(30)).until(() -> first.isDone() && second.isDone());
	}

	private static void dropAStageBesideARefusedHandler(CompletableFuture<String> future) {
		CompletableFuture<String> refused = future.exceptionallyAsync((ex) -> "handled", (task) -> {
			throw new java.util.concurrent.RejectedExecutionException("refused");
		});
		CompletableFuture<Integer> dropped = future.thenApply(String::length);
		await().atMost(Duration.ofSeconds(30)).until(() -> refused.isDone() && dropped.isDone());
		refused.exceptionally((ex) -> null);
	}

	private static void dropAStageBesideAHandlerThatThrows(CompletableFuture<String> future) {
		CompletableFuture<String> handler = future.exceptionally((ex) -> {
			throw new IllegalArgumentException("handler");
		});
		CompletableFuture<Integer> dropped = future.thenApply(String::length);
		await().atMost(Duration.ofSeconds(30)).until(() -> handler.isDone() && dropped.isDone());
	}

	private static void dropDependent(CompletableFuture<String> ok) {
		CompletableFuture<Integer> dependent = ok.thenApply((value) -> 1 / 0);
		await().atMost(Duration.ofSeconds(30)).until(dependent::isDone);
	}

	static CompletableFuture<String> failing(ExecutorTracking tracking) {
		return completable(tracking, () -> {
			throw new IOException("failed");
		});
	}

	static CompletableFuture<String> completable(ExecutorTracking tracking,
			java.util.concurrent.Callable<String> task) {
		return tracking.submitCompletable(task, null, (tracked) -> CompletableFuture.supplyAsync(supplier(tracked)));
	}

	static CompletableFuture<String> completable(ExecutorTracking tracking, java.util.concurrent.Callable<String> task,
			Executor executor) {
		return tracking.submitCompletable(task, null,
				(tracked) -> CompletableFuture.supplyAsync(supplier(tracked), executor));
	}

	private static Supplier<String> supplier(java.util.concurrent.Callable<String> tracked) {
		return () -> {
			try {
				return tracked.call();
			}
			catch (RuntimeException ex) {
				throw ex;
			}
			catch (Exception ex) {
				throw new CompletionException(ex);
			}
		};
	}

	private void awaitLeaks(String executor, int count) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf(executor)).hasSize(count);
		});
	}

	private void assertNothingReportedFor(String executor) {
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf(executor)).isEmpty();
		assertThat(this.fixture.tracker.leaks()).noneMatch((group) -> group.executor().equals(executor));
	}

}
