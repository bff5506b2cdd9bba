package io.github.leakedtasks.tracking;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * A tracked executor keeps how the executor orders its tasks and what a future lets go
 * of.
 */
class KeptBehaviourTests {

	private final TrackerFixture fixture = new TrackerFixture();

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void comparableTasksAreOrderedByAPriorityQueueAsUnwrapped() throws InterruptedException {
		ThreadPoolExecutor pool = this.fixture
			.register(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new PriorityBlockingQueue<>()));
		ExecutorService executor = this.fixture.tracker.wrap("priority", pool);
		CountDownLatch release = new CountDownLatch(1);
		List<Integer> order = new CopyOnWriteArrayList<>();
		executor.execute(new Prioritized(0, () -> awaitQuietly(release)));
		for (int priority : new int[] { 3, 1, 2 }) {
			executor.execute(new Prioritized(priority, () -> order.add(priority)));
		}
		release.countDown();
		await().atMost(Duration.ofSeconds(30)).until(() -> order.size() == 3);
		assertThat(order).containsExactly(1, 2, 3);
	}

	@Test
	void taskThatIsNotComparableIsRefusedByAPriorityQueueAsUnwrapped() {
		ThreadPoolExecutor pool = this.fixture
			.register(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new PriorityBlockingQueue<>()));
		ExecutorService executor = this.fixture.tracker.wrap("priority", pool);
		// The first task goes to a new worker, not to the queue.
		CountDownLatch release = new CountDownLatch(1);
		executor.execute(new Prioritized(0, () -> awaitQuietly(release)));
		assertThatExceptionOfType(ClassCastException.class).isThrownBy(() -> executor.execute(() -> {
		}));
		release.countDown();
	}

	@Test
	void futureKeptByTheCallerLetsGoOfTheFinishedTask() throws Exception {
		List<WeakReference<Object>> captured = new CopyOnWriteArrayList<>();
		Future<Integer> future = submitCapturing(this.fixture.pool("memory"), captured);
		assertThat(future.get(30, TimeUnit.SECONDS)).isEqualTo(1024);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(captured.get(0).get()).isNull();
		});
		assertThat(future.isDone()).isTrue();
	}

	@Test
	void futureOfAViewKeptByTheCallerLetsGoOfTheFinishedTask() throws Exception {
		List<WeakReference<Object>> captured = new CopyOnWriteArrayList<>();
		ExecutorService single = this.fixture.tracker.wrap("memory",
				this.fixture.register(java.util.concurrent.Executors.newSingleThreadExecutor()));
		Future<Integer> future = submitCapturing(single, captured);
		assertThat(future.get(30, TimeUnit.SECONDS)).isEqualTo(1024);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(captured.get(0).get()).isNull();
		});
	}

	/**
	 * Submit a task that captures a buffer, so that only the task keeps it.
	 */
	private static Future<Integer> submitCapturing(ExecutorService executor, List<WeakReference<Object>> captured) {
		byte[] buffer = new byte[1024];
		captured.add(new WeakReference<>(buffer));
		return executor.submit(() -> buffer.length);
	}

	@Test
	void dependentOfACompletedFutureWaitingForeverIsNotKeptByTheTracker() {
		WeakReference<CompletableFuture<String>> reference = combineWithNever(this.fixture.tracker.executor("orders"));
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(reference.get()).isNull();
		});
	}

	private static WeakReference<CompletableFuture<String>> combineWithNever(ExecutorTracking tracking) {
		CompletableFuture<String> done = UnretrievedFailureTests.completable(tracking, () -> "done");
		done.join();
		CompletableFuture<String> combined = done.thenCombine(new CompletableFuture<String>(), (a, b) -> a + b);
		return new WeakReference<>(combined);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	record Prioritized(int priority, Runnable action) implements Runnable, Comparable<Prioritized> {

		@Override
		public void run() {
			this.action.run();
		}

		@Override
		public int compareTo(Prioritized other) {
			return Integer.compare(this.priority, other.priority);
		}

	}

}
