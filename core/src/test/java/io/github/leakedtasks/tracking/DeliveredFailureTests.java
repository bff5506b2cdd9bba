package io.github.leakedtasks.tracking;

import java.io.IOException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * What a future delivers and what a caller receives decide what is lost, not what a task
 * threw or what a caller attempted.
 */
class DeliveredFailureTests {

	private final TrackerFixture fixture = new TrackerFixture();

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void timeoutHandledWithExceptionallyIsNotReported() {
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> future = UnretrievedFailureTests.completable(tracking(), () -> {
			release.await();
			return "late";
		});
		String result = future.orTimeout(10, TimeUnit.MILLISECONDS).exceptionally((ex) -> "timed out").join();
		release.countDown();
		assertThat(result).isEqualTo("timed out");
		future = null;
		assertNothingReported();
	}

	@Test
	void failureAfterOnlyOrTimeoutWasCalledIsReported() {
		loseWithOrTimeout(tracking());
		awaitLeaks(1);
		assertThat(this.fixture.listener.leaksOf("orders").get(0).exception()).isInstanceOf(IOException.class);
	}

	private static void loseWithOrTimeout(ExecutorTracking tracking) {
		CompletableFuture<String> future = UnretrievedFailureTests.failing(tracking);
		future.orTimeout(30, TimeUnit.SECONDS);
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	@Test
	void failureHandledByTheExecutorItselfIsNotReported() throws Exception {
		ExecutorService handling = new ErrorHandlingExecutor(
				this.fixture.register(Executors.newSingleThreadExecutor()));
		ExecutorService executor = this.fixture.tracker.wrap("orders", handling);
		Future<?> future = executor.submit(() -> {
			throw new IllegalStateException("handled by the executor");
		});
		assertThat(future.get(30, TimeUnit.SECONDS)).isNull();
		future = null;
		dropHandledByExecutor(executor);
		assertNothingReported();
	}

	private static void dropHandledByExecutor(ExecutorService executor) {
		TrackerFixture.awaitDone(executor.submit(() -> {
			throw new IllegalStateException("handled by the executor");
		}));
	}

	/**
	 * A future run as a task (a {@code ForkJoinTask}, Guava's periodic task) keeps its
	 * failure and throws it on: the application reads that future, not the one
	 * {@code submit} returned.
	 */
	@Test
	void failureOfATaskThatIsItselfAFutureReadThroughItIsNotReported() throws Exception {
		ExecutorService executor = this.fixture.pool("orders");
		readThroughTheTask(executor);
		assertNothingReported();
		assertThat(this.fixture.tracker.untrackedTypes())
			.filteredOn((untracked) -> untracked.reason().equals(UntrackedType.LEFT_TO_TASK_REASON))
			.singleElement()
			.satisfies((untracked) -> assertThat(untracked.type()).startsWith(ForkJoinTask.class.getName() + "$"));
	}

	/**
	 * A scheduled pool wraps an executed task in a future of its own, which keeps what
	 * the task throws: nothing is uncaught, and the application reads the task.
	 */
	@Test
	void failureOfATaskThatIsItselfAFutureExecutedOnAScheduledPoolIsNotReported() throws Exception {
		ExecutorService executor = this.fixture.tracker.wrap("orders",
				this.fixture.register(new ScheduledThreadPoolExecutor(1)));
		ForkJoinTask<Object> task = ForkJoinTask.adapt(() -> {
			throw new IllegalStateException("kept by the task");
		});
		executor.execute((Runnable) task);
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> task.get(30, TimeUnit.SECONDS));
		assertNothingReported();
		assertThat(this.fixture.listener.uncaught).noneMatch((report) -> report.executor().equals("orders"));
	}

	private static void readThroughTheTask(ExecutorService executor) throws Exception {
		ForkJoinTask<Object> task = ForkJoinTask.adapt(() -> {
			throw new IllegalStateException("kept by the task");
		});
		Future<?> ignored = executor.submit((Runnable) task);
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> task.get(30, TimeUnit.SECONDS));
		await().atMost(Duration.ofSeconds(30)).until(ignored::isDone);
	}

	@Test
	void failureThrownByTheDoneOfAFutureTaskSubmittedIsReported() {
		ExecutorService executor = this.fixture.pool("orders");
		submitAFutureTaskWhoseDoneThrows(executor);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("orders")).singleElement()
				.satisfies((report) -> assertThat(report.exception()).hasMessage("thrown by done()"));
		});
	}

	private static void submitAFutureTaskWhoseDoneThrows(ExecutorService executor) {
		FutureTask<String> task = new FutureTask<>(() -> "ran") {

			@Override
			protected void done() {
				throw new IllegalStateException("thrown by done()");
			}

		};
		TrackerFixture.awaitDone(executor.submit(task));
	}

	@Test
	void failureReadByAfterExecuteIsNotReported() {
		List<Throwable> logged = new ArrayList<>();
		ThreadPoolExecutor pool = this.fixture
			.register(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>()) {

				@Override
				protected void afterExecute(Runnable task, Throwable thrown) {
					// The idiom of ThreadPoolExecutor's javadoc.
					if (thrown == null && task instanceof Future<?> future && future.isDone()) {
						try {
							future.get();
						}
						catch (ExecutionException ex) {
							logged.add(ex.getCause());
						}
						catch (CancellationException | InterruptedException ex) {
							// Not a failure of the task.
						}
					}
				}

			});
		ExecutorService executor = this.fixture.tracker.wrap("orders", pool);
		TrackerFixture.awaitDone(executor.submit(() -> {
			throw new IllegalStateException("logged by afterExecute");
		}));
		await().atMost(Duration.ofSeconds(30)).until(() -> logged.size() == 1);
		assertNothingReported();
	}

	@Test
	void failureAfterATimedOutGetIsReported() {
		loseAfterTimedOutGet(this.fixture.pool("orders"));
		awaitLeaks(1);
	}

	private static void loseAfterTimedOutGet(ExecutorService executor) {
		CountDownLatch release = new CountDownLatch(1);
		Future<Object> future = executor.submit(() -> {
			release.await();
			throw new IllegalStateException("after the timeout");
		});
		assertThatExceptionOfType(TimeoutException.class).isThrownBy(() -> future.get(1, TimeUnit.MILLISECONDS));
		release.countDown();
		TrackerFixture.awaitDone(future);
	}

	@Test
	void failureAfterGetNowOnAPendingFutureIsReported() {
		loseAfterGetNow(tracking());
		awaitLeaks(1);
	}

	private static void loseAfterGetNow(ExecutorTracking tracking) {
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> future = UnretrievedFailureTests.completable(tracking, () -> {
			release.await();
			throw new IOException("after getNow");
		});
		assertThat(future.getNow("absent")).isEqualTo("absent");
		release.countDown();
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	@Test
	void failureWhoseCancelReturnedFalseIsReported() {
		loseAfterFailedCancel(this.fixture.pool("orders"));
		awaitLeaks(1);
	}

	private static void loseAfterFailedCancel(ExecutorService executor) {
		Future<Object> future = executor.submit(() -> {
			throw new IllegalStateException("cancel came too late");
		});
		TrackerFixture.awaitDone(future);
		assertThat(future.cancel(true)).isFalse();
	}

	@Test
	void taskThrowingCancellationExceptionItselfIsReported() {
		loseCancellationThrownByTask(this.fixture.pool("orders"));
		awaitLeaks(1);
		assertThat(this.fixture.listener.leaksOf("orders").get(0).exception())
			.isInstanceOf(CancellationException.class);
	}

	private static void loseCancellationThrownByTask(ExecutorService executor) {
		CompletableFuture<String> cancelledDependency = new CompletableFuture<>();
		cancelledDependency.cancel(false);
		Future<String> future = executor.submit(cancelledDependency::join);
		TrackerFixture.awaitDone(future);
		assertThat(future.isCancelled()).isFalse();
	}

	@Test
	void completableTaskThrowingCancellationExceptionItselfIsReported() {
		loseCompletableCancellationThrownByTask(tracking());
		awaitLeaks(1);
		assertThat(this.fixture.listener.leaksOf("orders").get(0).exception())
			.isInstanceOf(CancellationException.class);
	}

	private static void loseCompletableCancellationThrownByTask(ExecutorTracking tracking) {
		CompletableFuture<String> future = UnretrievedFailureTests.completable(tracking, () -> {
			throw new CancellationException("thrown by the task");
		});
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
		assertThat(future.isCancelled()).isFalse();
	}

	@Test
	void cancelledChainIsNotReported() {
		cancelChain(tracking());
		assertNothingReported();
	}

	private static void cancelChain(ExecutorTracking tracking) {
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> future = UnretrievedFailureTests.completable(tracking, () -> {
			release.await();
			return "never read";
		});
		CompletableFuture<Integer> end = future.thenApply(String::length);
		future.cancel(false);
		release.countDown();
		assertThat(end).isCompletedExceptionally();
	}

	@Test
	void everyFailureRacingItsFutureIsWatched() throws Exception {
		ExecutorService executor = this.fixture.pool("orders");
		List<Future<Object>> futures = new ArrayList<>();
		for (int i = 0; i < 20_000; i++) {
			futures.add(executor.submit(() -> {
				throw new IllegalStateException("fast");
			}));
		}
		executor.shutdown();
		assertThat(executor.awaitTermination(60, TimeUnit.SECONDS)).isTrue();
		assertThat(futures).allMatch(Future::isDone);
		assertThat(this.fixture.tracker.watchedFailureCount()).isEqualTo(futures.size());
	}

	@Test
	void failureOfAFuturePublishedPendingIsReported() {
		losePublishedPending(tracking());
		awaitLeaks(1);
		assertThat(this.fixture.listener.leaksOf("orders").get(0).exception()).isInstanceOf(IOException.class);
	}

	@Test
	void failureOfAFuturePublishedPendingSeenByWhenCompleteIsNotReported() throws InterruptedException {
		CountDownLatch seen = new CountDownLatch(1);
		observePublishedPending(tracking(), seen);
		assertThat(seen.await(30, TimeUnit.SECONDS)).isTrue();
		assertNothingReported();
	}

	private static void losePublishedPending(ExecutorTracking tracking) {
		CompletableFuture<String> returned = new CompletableFuture<>();
		Future<String> future = publishedPending(tracking, returned);
		returned.completeExceptionally(new IOException("after the method returned"));
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	private static void observePublishedPending(ExecutorTracking tracking, CountDownLatch seen) {
		CompletableFuture<String> returned = new CompletableFuture<>();
		CompletableFuture<String> future = (CompletableFuture<String>) publishedPending(tracking, returned);
		future.whenComplete((value, ex) -> seen.countDown());
		returned.completeExceptionally(new IOException("after the method returned"));
	}

	/**
	 * An integration's task, such as an {@code @Async} method, that returned a future
	 * still pending.
	 */
	private static Future<String> publishedPending(ExecutorTracking tracking, CompletableFuture<String> returned) {
		TrackedTask<Object> task = tracking.newTask("Service.compose", true);
		try {
			task.invoke(() -> returned);
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
		return tracking.publish(task, returned);
	}

	private ExecutorTracking tracking() {
		return this.fixture.tracker.executor("orders");
	}

	private void awaitLeaks(int count) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("orders")).hasSize(count);
		});
	}

	private void assertNothingReported() {
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("orders")).isEmpty();
		assertThat(this.fixture.tracker.leaks()).noneMatch((group) -> group.executor().equals("orders"));
	}

	/**
	 * An executor that hands each task's exception to an error handler, as Spring's
	 * {@code ThreadPoolTaskScheduler} with an {@code ErrorHandler} does: its futures
	 * complete normally.
	 */
	static final class ErrorHandlingExecutor extends ContextExecutorService {

		ErrorHandlingExecutor(ExecutorService delegate) {
			super(delegate, new ThreadLocal<>());
		}

		@Override
		public <T> Future<T> submit(Callable<T> task) {
			return super.submit(() -> {
				try {
					return task.call();
				}
				catch (Exception ex) {
					return null;
				}
			});
		}

	}

}
