package io.github.leakedtasks.actuate;

import java.lang.management.ManagementFactory;
import java.time.Duration;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import io.github.leakedtasks.micrometer.LeakedTasksMetrics;
import io.github.leakedtasks.micrometer.TaskMeters;
import io.github.leakedtasks.tracking.ExecutorTracking;
import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TrackingSettings;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import tools.jackson.databind.json.JsonMapper;

import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Bounded cost under load: counts and memory bounds, never times. Run in their own JVM
 * with a 512 MiB heap (see the {@code load-tests} execution in the pom).
 */
class LeakStormLoadTests {

	private static final long MIB = 1024 * 1024;

	private final SimpleMeterRegistry registry = new SimpleMeterRegistry();

	private final ExecutorService pool = Executors.newFixedThreadPool(2);

	private TaskTracker tracker;

	@AfterEach
	void close() {
		this.pool.shutdownNow();
		if (this.tracker != null) {
			this.tracker.close();
		}
	}

	@Test
	void threeHundredThousandLostFailuresFromOnePlaceAreCountedExactlyInBoundedMemory() throws Exception {
		assertThat(Runtime.getRuntime().maxMemory()).isLessThanOrEqualTo(512 * MIB);
		start(TrackingSettings.defaults());
		ExecutorService executor = this.tracker.wrap("storm", this.pool);
		loseFailures(executor, 1_000);
		awaitUnretrieved(1_000);
		long baseline = usedHeapAfterCollection();
		loseFailures(executor, 299_000);
		awaitUnretrieved(300_000);
		long growth = usedHeapAfterCollection() - baseline;
		assertThat(this.tracker.leaks()).singleElement().satisfies((group) -> {
			assertThat(group.count()).isEqualTo(300_000);
			assertThat(group.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED);
		});
		System.out.printf("300k lost failures: retained heap growth %,d bytes%n", growth);
		assertThat(growth).as("retained heap growth, bytes").isLessThan(32 * MIB);
		byte[] body = JsonMapper.builder()
			.build()
			.writeValueAsBytes(
					new LeakedTasksEndpoint(this.tracker, Show.ALWAYS, Set.of()).leaks(SecurityContext.NONE));
		System.out.printf("300k lost failures: endpoint body %,d bytes%n", body.length);
		assertThat(body.length).as("endpoint body, bytes").isLessThan((int) MIB);
		assertThat(this.tracker.watchedFailureCount()).isZero();
	}

	@Test
	void millionSuccessfulTasksLeaveNoTrackingStateBehind() throws Exception {
		start(TrackingSettings.defaults());
		ExecutorService executor = this.tracker.wrap("busy", this.pool);
		runTasks(executor, 10_000);
		long baseline = usedHeapAfterCollection();
		runTasks(executor, 1_000_000);
		long growth = usedHeapAfterCollection() - baseline;
		assertThat(this.tracker.liveTaskCount()).isZero();
		assertThat(this.tracker.watchedFailureCount()).isZero();
		assertThat(this.tracker.leaks()).isEmpty();
		System.out.printf("1M successful tasks: retained heap growth %,d bytes%n", growth);
		assertThat(growth).as("retained heap growth, bytes").isLessThan(4 * MIB);
	}

	@Test
	void placesBeyondTheGroupCapEvictTheOldestAndCountThem() throws Exception {
		start(TrackingSettings.builder().maxGroups(100).build());
		ExecutorTracking tracking = this.tracker.executor("places");
		for (int place = 0; place < 2_000; place++) {
			loseNamedFailure(tracking, "place" + place);
		}
		awaitUnretrievedOf("places", 2_000);
		assertThat(this.tracker.leaks()).hasSize(100);
		assertThat(this.tracker.summary().evictedGroups()).isEqualTo(1_900);
		assertThat(this.tracker.summary().totals()).containsEntry(LeakKind.EXCEPTION_NOT_RETRIEVED, 2_000L);
	}

	private void start(TrackingSettings settings) {
		this.tracker = TaskTracker.create(settings);
		this.tracker.addListener(new LeakedTasksMetrics(this.registry, this.tracker::overdueCount));
	}

	private static void loseFailures(ExecutorService executor, int count) {
		for (int batch = 0; batch < count; batch += 10_000) {
			Future<?> last = null;
			for (int i = batch; i < Math.min(count, batch + 10_000); i++) {
				last = executor.submit(LeakStormLoadTests::fail);
			}
			awaitDone(last);
		}
	}

	private void loseNamedFailure(ExecutorTracking tracking, String name) {
		tracking.submit(LeakStormLoadTests::fail, name, this.pool::submit);
	}

	private static void runTasks(ExecutorService executor, int count) throws Exception {
		Future<?> last = null;
		for (int i = 0; i < count; i++) {
			last = executor.submit(() -> 42);
			if (i % 10_000 == 0) {
				last.get();
			}
		}
		last.get();
	}

	private void awaitUnretrieved(long count) {
		awaitUnretrievedOf("storm", count);
	}

	private void awaitUnretrievedOf(String executor, long count) {
		await().atMost(Duration.ofMinutes(3)).pollInterval(Duration.ofMillis(200)).untilAsserted(() -> {
			System.gc();
			Counter counter = this.registry.find(TaskMeters.UNRETRIEVED).tag(TaskMeters.NAME_TAG, executor).counter();
			assertThat(counter).isNotNull();
			assertThat(counter.count()).isEqualTo(count);
		});
	}

	private static void awaitDone(Future<?> future) {
		await().atMost(Duration.ofMinutes(1)).until(future::isDone);
	}

	private static long usedHeapAfterCollection() {
		long used = Long.MAX_VALUE;
		for (int i = 0; i < 5; i++) {
			System.gc();
			used = Math.min(used, ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed());
		}
		return used;
	}

	private static Object fail() {
		throw new IllegalStateException("storm");
	}

}
