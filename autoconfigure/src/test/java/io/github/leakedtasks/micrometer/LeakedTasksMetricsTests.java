package io.github.leakedtasks.micrometer;

import java.time.Duration;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TrackingSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.Gauge;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link LeakedTasksMetrics} with a real registry.
 */
class LeakedTasksMetricsTests {

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final TaskTracker tracker = TaskTracker.create(TrackingSettings.builder()
		.gracePeriod(Duration.ofMillis(100))
		.overdueThreshold(Duration.ofMillis(100))
		.build());

	private final ExecutorService pool = Executors.newFixedThreadPool(2);

	private final ExecutorService executor;

	private Future<Object> held;

	LeakedTasksMetricsTests() {
		this.tracker.addListener(
				new LeakedTasksMetrics(this.registry, this.tracker::overdueCount, this.tracker::suspectedCount));
		this.executor = this.tracker.wrap("orders", this.pool);
	}

	@AfterEach
	void close() {
		this.pool.shutdownNow();
		this.tracker.close();
	}

	@Test
	void confirmedLostFailuresAreCountedOnceEachWithExecutorAndExceptionTags() {
		loseFailures(3);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(unretrieved()).isEqualTo(3);
		});
		Counter counter = this.registry.get(TaskMeters.UNRETRIEVED)
			.tag(TaskMeters.NAME_TAG, "orders")
			.tag(TaskMeters.EXCEPTION_TAG, "IllegalStateException")
			.counter();
		assertThat(counter.getId().getBaseUnit()).isEqualTo(TaskMeters.BASE_UNIT);
		assertThat(counter.getId().getDescription()).isNotBlank();
		loseFailures(1);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(unretrieved()).isEqualTo(4);
		});
	}

	@Test
	void suspectedFailuresAreNotCounted() {
		Future<Object> held = this.executor.submit(() -> {
			throw new IllegalStateException("held");
		});
		await().atMost(Duration.ofSeconds(30)).until(() -> !this.tracker.leaks().isEmpty());
		assertThat(this.registry.find(TaskMeters.UNRETRIEVED).counter()).isNull();
		assertThat(held.isDone()).isTrue();
	}

	@Test
	void suspectedGaugeRisesPastGracePeriodAndFallsWhenTheFailureIsRetrieved() {
		Future<Object> held = this.executor.submit(() -> {
			throw new IllegalStateException("held");
		});
		Gauge gauge = this.registry.get(TaskMeters.SUSPECTED).tag(TaskMeters.NAME_TAG, "orders").gauge();
		assertThat(gauge.getId().getBaseUnit()).isEqualTo(TaskMeters.BASE_UNIT);
		assertThat(gauge.getId().getDescription()).isNotBlank();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(gauge.value()).isEqualTo(1));
		assertThat(held).failsWithin(Duration.ofSeconds(5));
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(gauge.value()).isZero());
		assertThat(this.tracker.summary().suspectedThenRetrieved()).isOne();
	}

	@Test
	void suspectedGaugeFallsWhenTheCollectorConfirmsTheLoss() {
		this.held = this.executor.submit(() -> {
			throw new IllegalStateException("lost");
		});
		Gauge gauge = this.registry.get(TaskMeters.SUSPECTED).tag(TaskMeters.NAME_TAG, "orders").gauge();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(gauge.value()).isEqualTo(1));
		assertThat(unretrieved()).isZero();
		this.held = null;
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(unretrieved()).isEqualTo(1);
			assertThat(gauge.value()).isZero();
		});
	}

	@Test
	void uncaughtFailuresAreCounted() {
		ExecutorService quiet = Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task);
			thread.setUncaughtExceptionHandler((t, ex) -> {
			});
			return thread;
		});
		this.tracker.wrap("orders", quiet).execute(() -> {
			throw new IllegalArgumentException("uncaught");
		});
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.registry.find(TaskMeters.UNCAUGHT)
				.tag(TaskMeters.NAME_TAG, "orders")
				.tag(TaskMeters.EXCEPTION_TAG, "IllegalArgumentException")
				.counter()).isNotNull().satisfies((counter) -> assertThat(counter.count()).isOne()));
		quiet.shutdownNow();
	}

	@Test
	void droppedTasksAreCounted() {
		ExecutorService single = Executors.newSingleThreadExecutor();
		ExecutorService tracked = this.tracker.wrap("single", single);
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		tracked.execute(() -> {
			started.countDown();
			awaitQuietly(release);
		});
		awaitQuietly(started);
		submitAndShutDownNow(tracked);
		// Dropped once the collector proves nobody can run the task any more.
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.registry.find(TaskMeters.DROPPED).tag(TaskMeters.NAME_TAG, "single").counter()).isNotNull()
				.satisfies((counter) -> assertThat(counter.count()).isOne());
		});
		release.countDown();
	}

	private static void submitAndShutDownNow(ExecutorService executor) {
		executor.submit(() -> "never");
		executor.shutdownNow();
	}

	@Test
	void overdueTasksAreGaugedPerExecutor() {
		CountDownLatch release = new CountDownLatch(1);
		this.executor.execute(() -> awaitQuietly(release));
		Gauge gauge = this.registry.get(TaskMeters.OVERDUE).tag(TaskMeters.NAME_TAG, "orders").gauge();
		assertThat(gauge.getId().getBaseUnit()).isEqualTo(TaskMeters.BASE_UNIT);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(gauge.value()).isOne());
		release.countDown();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(gauge.value()).isZero());
	}

	private double unretrieved() {
		Counter counter = this.registry.find(TaskMeters.UNRETRIEVED).tag(TaskMeters.NAME_TAG, "orders").counter();
		return (counter != null) ? counter.count() : 0;
	}

	private void loseFailures(int count) {
		for (int i = 0; i < count; i++) {
			Future<Object> future = this.executor.submit(() -> {
				throw new IllegalStateException("lost");
			});
			await().atMost(Duration.ofSeconds(30)).until(future::isDone);
		}
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
