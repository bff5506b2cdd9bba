package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

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
	void tasksReturnedByShutdownNowAreReportedAsDropped() throws InterruptedException {
		ExecutorService executor = busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		Future<String> pending = executor.submit(() -> "never");
		List<Runnable> notRun = executor.shutdownNow();
		assertThat(notRun).hasSize(1);
		assertThat(this.fixture.listener.leaksOf("single")).hasSize(1)
			.allSatisfy((report) -> assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING));
		assertThat(pending.isDone()).isFalse();
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
	 * A single thread busy until the test ends, with room for one queued task.
	 */
	private ExecutorService busySingleThread(RejectedExecutionHandler handler) throws InterruptedException {
		ThreadPoolExecutor pool = this.fixture
			.register(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1), handler));
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
