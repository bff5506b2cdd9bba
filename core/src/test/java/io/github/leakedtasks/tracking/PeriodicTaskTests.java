package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Rule 4: a periodic task that threw stops for good; its failure is lost unless its
 * future is read.
 */
class PeriodicTaskTests {

	private final TrackerFixture fixture = new TrackerFixture();

	private final ScheduledExecutorService scheduler = this.fixture.tracker.wrap("scheduler",
			this.fixture.register(Executors.newScheduledThreadPool(1)));

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void periodicTaskThatDiedIsReportedWhenItsFutureIsNeverRead() {
		AtomicInteger runs = new AtomicInteger();
		scheduleDyingTask(runs);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("scheduler")).hasSize(1);
		});
		assertThat(runs).hasValue(3);
		assertThat(this.fixture.listener.leaks.get(0).exception()).hasMessage("died on run 3");
	}

	@Test
	void periodicTaskThatDiedIsNotReportedWhenItsFutureIsRead() {
		AtomicInteger runs = new AtomicInteger();
		ScheduledFuture<?> future = this.scheduler.scheduleWithFixedDelay(dying(runs), 0, 1, TimeUnit.MILLISECONDS);
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> future.get(30, TimeUnit.SECONDS))
			.withCauseInstanceOf(IllegalStateException.class);
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("scheduler")).isEmpty();
	}

	@Test
	void runningPeriodicTaskIsNotReported() {
		AtomicInteger runs = new AtomicInteger();
		this.scheduler.scheduleAtFixedRate(runs::incrementAndGet, 0, 1, TimeUnit.MILLISECONDS);
		await().atMost(Duration.ofSeconds(30)).untilAtomic(runs, org.hamcrest.Matchers.greaterThan(5));
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("scheduler")).isEmpty();
	}

	@Test
	void delayedTaskFailureIsReportedWhenItsFutureIsNeverRead() {
		scheduleFailingOneShot();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("scheduler")).hasSize(1);
		});
	}

	private void scheduleDyingTask(AtomicInteger runs) {
		this.scheduler.scheduleAtFixedRate(dying(runs), 0, 1, TimeUnit.MILLISECONDS);
	}

	private void scheduleFailingOneShot() {
		this.scheduler.schedule(() -> {
			throw new IllegalStateException("late");
		}, 1, TimeUnit.MILLISECONDS);
	}

	private static Runnable dying(AtomicInteger runs) {
		return () -> {
			if (runs.incrementAndGet() == 3) {
				throw new IllegalStateException("died on run 3");
			}
		};
	}

}
