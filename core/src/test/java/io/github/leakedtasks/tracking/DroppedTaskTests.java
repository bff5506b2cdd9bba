package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Rule 3: a task the executor will never run is reported as dropped; a task that still
 * runs, or was cancelled, is not.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = CreationTraceMode.class, names = { "SAMPLED", "OFF" })
class DroppedTaskTests {

	private final TrackerFixture fixture;

	private final CountDownLatch release = new CountDownLatch(1);

	DroppedTaskTests(CreationTraceMode traceMode) {
		this.fixture = new TrackerFixture(traceMode);
	}

	@AfterEach
	void close() throws InterruptedException {
		this.release.countDown();
		this.fixture.close();
	}

	@Test
	void taskDiscardedByDiscardPolicyIsReportedAsDropped() throws InterruptedException {
		ExecutorService executor = busySingleThread(new ThreadPoolExecutor.DiscardPolicy());
		executor.submit(() -> "queued");
		submitAndForget(executor);
		awaitDrops(1);
		LeakReport report = this.fixture.listener.leaksOf("single").get(0);
		assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
		assertThat(report.exception()).isNull();
	}

	/**
	 * A stage made on the future of a task the pool discards, held by the caller, does
	 * not hold the task: its drop is reported while the stage is still held.
	 */
	@Test
	void taskDiscardedWhileAStageOfItsFutureIsHeldIsReportedAsDropped() throws InterruptedException {
		ThreadPoolExecutor pool = this.fixture.register(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
				new ArrayBlockingQueue<>(1), new ThreadPoolExecutor.DiscardPolicy()));
		CountDownLatch busy = new CountDownLatch(1);
		pool.execute(() -> {
			busy.countDown();
			awaitQuietly(this.release);
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		pool.execute(() -> {
		});
		CompletableFuture<String> held = stageOfADiscardedTask(this.fixture.tracker.executor("single"), pool);
		awaitDrops(1);
		assertThat(held).isNotDone();
	}

	private static CompletableFuture<String> stageOfADiscardedTask(ExecutorTracking tracking, Executor pool) {
		return runAsync(tracking, pool, () -> {
		}).thenApply((ignored) -> "never");
	}

	@Test
	void oldestTaskDiscardedByDiscardOldestPolicyIsReportedAsDropped() throws Exception {
		ExecutorService executor = busySingleThread(new ThreadPoolExecutor.DiscardOldestPolicy());
		submitAndForget(executor);
		Future<String> newest = executor.submit(() -> "newest");
		awaitDrops(1);
		this.release.countDown();
		assertThat(newest.get(30, TimeUnit.SECONDS)).isEqualTo("newest");
	}

	@Test
	void tasksReturnedByShutdownNowAreReportedAsDroppedOnceNobodyCanRunThem() throws InterruptedException {
		ExecutorService executor = busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		assertThat(shutDownWithOnePending(executor)).isTrue();
		awaitDrops(1);
		assertThat(this.fixture.listener.leaksOf("single"))
			.allSatisfy((report) -> assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING));
	}

	private static boolean shutDownWithOnePending(ExecutorService executor) {
		Future<String> pending = executor.submit(() -> "never");
		List<Runnable> notRun = executor.shutdownNow();
		return notRun.size() == 1 && notRun.get(0) == pending && !pending.isDone();
	}

	@Test
	void shutdownNowReturnsTheCallersOwnFuturesAndRunnables() throws InterruptedException {
		ExecutorService executor = busySingleThread(new ThreadPoolExecutor.AbortPolicy(), 2);
		Future<String> submitted = executor.submit(() -> "submitted");
		Runnable executed = () -> {
		};
		executor.execute(executed);
		assertThat(executor.shutdownNow()).containsExactly((Runnable) submitted, executed);
	}

	@Test
	void taskTheCallerTakesFromShutdownNowAndRunsIsNotReported() throws Exception {
		ExecutorService executor = busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		Future<String> pending = executor.submit(() -> "run by the caller");
		List<Runnable> notRun = executor.shutdownNow();
		notRun.forEach(Runnable::run);
		assertThat(pending.get(30, TimeUnit.SECONDS)).isEqualTo("run by the caller");
		notRun = null;
		pending = null;
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("single")).isEmpty();
	}

	@Test
	void taskAlreadyHandedToAWorkerWhenShutdownNowIsCalledIsNotReported() throws Exception {
		CountDownLatch handedOver = new CountDownLatch(1);
		CountDownLatch proceed = new CountDownLatch(1);
		ThreadPoolExecutor pool = this.fixture.register(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
				new ArrayBlockingQueue<>(1), new ThreadPoolExecutor.AbortPolicy()) {

			@Override
			protected void beforeExecute(Thread thread, Runnable task) {
				// The worker has taken the task from the queue and not started it.
				handedOver.countDown();
				awaitQuietly(proceed);
			}

		});
		ExecutorService executor = this.fixture.tracker.wrap("single", pool);
		Future<String> future = executor.submit(() -> "ran");
		assertThat(handedOver.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(executor.shutdownNow()).isEmpty();
		proceed.countDown();
		assertThat(future.get(30, TimeUnit.SECONDS)).isEqualTo("ran");
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("single")).isEmpty();
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			// shutdownNow interrupts the worker; the task still runs.
		}
	}

	@Test
	void taskCancelledThroughTheListShutdownNowReturnedIsNotReported() throws InterruptedException {
		ExecutorService executor = busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		Future<String> pending = executor.submit(() -> "never");
		for (Runnable task : executor.shutdownNow()) {
			((Future<?>) task).cancel(false);
		}
		assertThat(pending.isCancelled()).isTrue();
		pending = null;
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("single")).isEmpty();
	}

	@Test
	void queuedTaskWhoseFutureIsCollectedBeforeItRunsIsNotReported() throws InterruptedException {
		ExecutorService executor = busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		CountDownLatch ran = new CountDownLatch(1);
		submitAndForget(executor, ran);
		for (int i = 0; i < 3; i++) {
			System.gc();
		}
		this.release.countDown();
		assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("single")).isEmpty();
	}

	@Test
	void cancelledQueuedTaskIsNotReported() throws InterruptedException {
		ExecutorService executor = busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		executor.submit(() -> "cancelled").cancel(false);
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("single")).isEmpty();
	}

	@Test
	void scheduleWithoutAUnitThrowsAsUnwrappedAndIsNotReportedAsDropped() throws InterruptedException {
		ScheduledExecutorService raw = this.fixture.register(Executors.newScheduledThreadPool(1));
		ScheduledExecutorService executor = this.fixture.tracker.wrap("single", raw);
		assertThatExceptionOfType(NullPointerException.class).isThrownBy(() -> raw.schedule(() -> "never", 1, null));
		assertThatExceptionOfType(NullPointerException.class)
			.isThrownBy(() -> executor.schedule(() -> "never", 1, null));
		assertThat(this.fixture.tracker.liveTaskCount()).isZero();
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("single")).isEmpty();
	}

	@Test
	void rejectedTaskThrowsTheSameExceptionAndIsNotTracked() throws InterruptedException {
		ExecutorService executor = busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		executor.submit(() -> "queued");
		int live = this.fixture.tracker.liveTaskCount();
		assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> executor.submit(() -> "full"));
		assertThat(this.fixture.tracker.liveTaskCount()).isEqualTo(live);
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("single")).isEmpty();
	}

	/**
	 * A {@code ForkJoinPool} hands the caller its own {@code ForkJoinTask}, which no view
	 * stands in for: a queued task cancelled through it, or by {@code shutdownNow}, never
	 * runs and is no drop.
	 */
	@Test
	void queuedTaskOfAForkJoinPoolCancelledThroughItsOwnFutureIsNotReportedAsDropped() throws Exception {
		ForkJoinPool pool = this.fixture.register(new ForkJoinPool(1));
		ExecutorService executor = this.fixture.tracker.wrap("fork-join", pool);
		CountDownLatch busy = new CountDownLatch(1);
		Future<?> blocker = executor.submit(() -> {
			busy.countDown();
			this.release.await();
			return null;
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		submitAndCancel(executor);
		this.release.countDown();
		blocker.get(30, TimeUnit.SECONDS);
		ForkJoinPool stopped = this.fixture.register(new ForkJoinPool(1));
		ExecutorService stopping = this.fixture.tracker.wrap("fork-join", stopped);
		CountDownLatch held = new CountDownLatch(1);
		CountDownLatch hold = new CountDownLatch(1);
		stopping.submit(() -> {
			held.countDown();
			hold.await();
			return null;
		});
		assertThat(held.await(30, TimeUnit.SECONDS)).isTrue();
		submitAndForget(stopping);
		stopping.shutdownNow();
		hold.countDown();
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("fork-join")).isEmpty();
	}

	private static void submitAndCancel(ExecutorService executor) {
		Future<String> queued = executor.submit(() -> "queued");
		assertThat(queued.cancel(false)).isTrue();
	}

	/**
	 * A queued task whose tracked future mirrors the executor's (Spring's
	 * {@code submitCompletable(Runnable)}, {@code runAsync} on the pool) and which the
	 * application completed, or let time out, before it started: the JDK's task skips it,
	 * as without tracking, and it is not reported as dropped.
	 */
	@Test
	void queuedTaskWhoseMirroredFutureWasCompletedIsSkippedAndNotReportedAsDropped() throws Exception {
		ThreadPoolExecutor pool = this.fixture
			.register(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>()));
		CountDownLatch busy = new CountDownLatch(1);
		pool.execute(() -> {
			busy.countDown();
			try {
				this.release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		List<String> ran = new CopyOnWriteArrayList<>();
		completeBeforeStart(this.fixture.tracker.executor("mirrored"), pool, ran);
		this.release.countDown();
		assertThat(pool.submit(() -> "last").get(30, TimeUnit.SECONDS)).isEqualTo("last");
		assertThat(ran).isEmpty();
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("mirrored")).isEmpty();
	}

	/**
	 * The futures are let go of when this returns: a drop is not excused by a future
	 * someone still holds.
	 */
	private static void completeBeforeStart(ExecutorTracking tracking, Executor pool, List<String> ran) {
		CompletableFuture<Void> completed = runAsync(tracking, pool, () -> ran.add("completed"));
		CompletableFuture<Void> failed = runAsync(tracking, pool, () -> ran.add("failed"));
		CompletableFuture<Void> timedOut = runAsync(tracking, pool, () -> ran.add("timed out"));
		assertThat(completed.complete(null)).isTrue();
		assertThat(failed.completeExceptionally(new IllegalStateException("by the application"))).isTrue();
		timedOut.orTimeout(1, TimeUnit.MILLISECONDS);
		await().atMost(Duration.ofSeconds(30)).until(timedOut::isDone);
		assertThat(completed.join()).isNull();
		assertThatExceptionOfType(CompletionException.class).isThrownBy(failed::join)
			.withCauseInstanceOf(IllegalStateException.class);
		assertThatExceptionOfType(CompletionException.class).isThrownBy(timedOut::join)
			.withCauseInstanceOf(TimeoutException.class);
	}

	private static CompletableFuture<Void> runAsync(ExecutorTracking tracking, Executor pool, Runnable task) {
		return tracking.<Void>submitCompletable(task, null, (tracked) -> CompletableFuture.runAsync(tracked, pool));
	}

	/**
	 * A single thread busy until the test ends, with room for one queued task.
	 */
	private ExecutorService busySingleThread(RejectedExecutionHandler handler) throws InterruptedException {
		return busySingleThread(handler, 1);
	}

	private ExecutorService busySingleThread(RejectedExecutionHandler handler, int queueCapacity)
			throws InterruptedException {
		ThreadPoolExecutor pool = this.fixture.register(
				new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(queueCapacity), handler));
		ExecutorService executor = this.fixture.tracker.wrap("single", pool);
		CountDownLatch busy = new CountDownLatch(1);
		executor.execute(() -> {
			busy.countDown();
			try {
				this.release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		return executor;
	}

	private static void submitAndForget(ExecutorService executor) {
		executor.submit(() -> "forgotten");
	}

	private static void submitAndForget(ExecutorService executor, CountDownLatch ran) {
		executor.submit(ran::countDown);
	}

	private void awaitDrops(int count) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("single")).hasSize(count);
		});
	}

}
