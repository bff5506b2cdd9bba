package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.function.Supplier;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A task remembers the trace and span it was submitted in, as the tracker's source says,
 * and every report about it carries them.
 */
class TraceIdsTests {

	private static final ThreadLocal<TraceIds> CURRENT = new ThreadLocal<>();

	private final TrackerFixture fixture = new TrackerFixture(TrackingSettings.builder()
		.gracePeriod(Duration.ofMillis(100))
		.overdueThreshold(Duration.ofMillis(100))
		.build());

	@AfterEach
	void close() throws InterruptedException {
		CURRENT.remove();
		this.fixture.close();
	}

	@Test
	void lostFailureCarriesTheIdsItWasSubmittedIn() {
		this.fixture.tracker.captureTraceIds(CURRENT::get);
		ExecutorService orders = this.fixture.pool("orders");
		CURRENT.set(new TraceIds("trace-1", "span-1"));
		TrackerFixture.loseFailure(orders);
		CURRENT.remove();
		TrackerFixture.loseFailure(this.fixture.pool("untraced"));
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("orders")).hasSize(1);
			assertThat(this.fixture.listener.leaksOf("untraced")).hasSize(1);
		});
		assertThat(this.fixture.listener.leaksOf("orders").get(0).traceIds())
			.isEqualTo(new TraceIds("trace-1", "span-1"));
		assertThat(this.fixture.listener.leaksOf("untraced").get(0).traceIds()).isNull();
	}

	@Test
	void sourceIsUnpluggedOnlyWhileItIsTheOnePluggedIn() {
		Supplier<TraceIds> first = CURRENT::get;
		Supplier<TraceIds> second = () -> new TraceIds("trace-3", "span-3");
		TaskTracker tracker = this.fixture.tracker;
		tracker.captureTraceIds(first);
		tracker.captureTraceIds(second);
		assertThat(tracker.stopCapturingTraceIds(first)).isFalse();
		assertThat(tracker.traceIdsSource()).isSameAs(second);
		assertThat(tracker.stopCapturingTraceIds(null)).isFalse();
		assertThat(tracker.stopCapturingTraceIds(second)).isTrue();
		assertThat(tracker.traceIdsSource()).isNull();
		assertThat(tracker.stopCapturingTraceIds(second)).isFalse();
	}

	@Test
	void untracedTaskCarriesTheIdsToo() throws InterruptedException {
		TrackerFixture untraced = new TrackerFixture(CreationTraceMode.OFF);
		try {
			untraced.tracker.captureTraceIds(CURRENT::get);
			CURRENT.set(new TraceIds("trace-4", "span-4"));
			TrackerFixture.loseFailure(untraced.pool("orders"));
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(untraced.listener.leaksOf("orders")).singleElement().satisfies((report) -> {
					assertThat(report.creationTrace()).isNull();
					assertThat(report.traceIds()).isEqualTo(new TraceIds("trace-4", "span-4"));
				});
			});
		}
		finally {
			untraced.close();
		}
	}

	@Test
	void suspectedFailureCarriesTheIds() {
		this.fixture.tracker.captureTraceIds(CURRENT::get);
		CURRENT.set(new TraceIds("trace-2", "span-2"));
		Future<Object> held = this.fixture.pool("orders").submit(() -> {
			throw new IllegalStateException("held");
		});
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.fixture.tracker.leaks()).singleElement()
				.satisfies(
						(group) -> assertThat(group.latest().traceIds()).isEqualTo(new TraceIds("trace-2", "span-2"))));
		assertThat(held).isDone();
	}

	@Test
	void uncaughtFailureAndOverdueTaskCarryTheIds() throws InterruptedException {
		this.fixture.tracker.captureTraceIds(CURRENT::get);
		ExecutorService quiet = this.fixture.register(Executors.newSingleThreadExecutor((task) -> {
			Thread thread = new Thread(task);
			thread.setUncaughtExceptionHandler((t, ex) -> {
			});
			return thread;
		}));
		ExecutorService jobs = this.fixture.tracker.wrap("jobs", quiet);
		CountDownLatch release = new CountDownLatch(1);
		CURRENT.set(new TraceIds("trace-3", "span-3"));
		jobs.execute(() -> {
			throw new IllegalArgumentException("uncaught");
		});
		ExecutorService slow = this.fixture.pool("slow");
		slow.execute(() -> awaitQuietly(release));
		try {
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				assertThat(this.fixture.listener.uncaught).singleElement()
					.satisfies((report) -> assertThat(report.traceIds()).isEqualTo(new TraceIds("trace-3", "span-3")));
				assertThat(this.fixture.tracker.overdueTasks()).singleElement()
					.satisfies((task) -> assertThat(task.traceIds()).isEqualTo(new TraceIds("trace-3", "span-3")));
			});
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void sourceThatFailsLeavesTheTaskUntracedAndRunning() throws Exception {
		this.fixture.tracker.captureTraceIds(() -> {
			throw new IllegalStateException("broken tracer");
		});
		Future<String> future = this.fixture.pool("orders").submit(() -> "done");
		assertThat(future.get(30, TimeUnit.SECONDS)).isEqualTo("done");
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
