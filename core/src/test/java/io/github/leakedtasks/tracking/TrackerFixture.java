package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A tracker with a short grace period, its listener, and executors shut down after each
 * test.
 */
class TrackerFixture implements AutoCloseable {

	final TaskTracker tracker;

	final RecordingListener listener = new RecordingListener();

	private final List<ExecutorService> executors = new ArrayList<>();

	TrackerFixture() {
		this(TrackingSettings.builder().gracePeriod(Duration.ofMillis(200)).build());
	}

	/**
	 * A fixture whose tasks are traced as the mode says: with {@code OFF} a task gets its
	 * record only when it fails or is still live when the tracker looks; traced tasks get
	 * it at once.
	 */
	TrackerFixture(CreationTraceMode traceMode) {
		this(TrackingSettings.builder().gracePeriod(Duration.ofMillis(200)).traceMode(traceMode).build());
	}

	TrackerFixture(TrackingSettings settings) {
		this.tracker = TaskTracker.create(settings);
		this.tracker.addListener(this.listener);
	}

	ExecutorService pool(String name) {
		return this.tracker.wrap(name, register(Executors.newFixedThreadPool(2)));
	}

	<T extends ExecutorService> T register(T executor) {
		this.executors.add(executor);
		return executor;
	}

	/**
	 * Lose a failure on a control executor and wait until the collector confirmed it,
	 * twice: detection ran, so what was not reported by then is not reported at all. The
	 * detector reports what one collection proved in one batch, the control's report
	 * maybe before others; the second control, lost once the first was reported, is
	 * proved by a later collection, and reported in a later batch. Not for a test whose
	 * listener holds the detector's thread (see {@link #awaitFirstControlLeak}).
	 */
	void awaitControlLeak() {
		ExecutorService control = awaitFirstControlLeak();
		awaitControl(control);
	}

	/**
	 * Lose one failure on a control executor and wait until the collector confirmed it:
	 * what the same collection proved may be reported after it.
	 * @return the control executor
	 */
	ExecutorService awaitFirstControlLeak() {
		ExecutorService control = pool("control");
		awaitControl(control);
		return control;
	}

	private void awaitControl(ExecutorService control) {
		int expected = this.listener.leaksOf("control").size() + 1;
		loseFailure(control);
		await().atMost(Duration.ofSeconds(30))
			.pollDelay(Duration.ZERO)
			.pollInterval(Duration.ofMillis(25))
			.untilAsserted(() -> {
				System.gc();
				assertThat(this.listener.leaksOf("control")).hasSize(expected);
			});
	}

	static void loseFailure(ExecutorService executor) {
		Future<?> future = executor.submit(() -> {
			throw new IllegalStateException("control");
		});
		awaitDone(future);
	}

	static void awaitDone(Future<?> future) {
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	@Override
	public void close() throws InterruptedException {
		for (ExecutorService executor : this.executors) {
			executor.shutdownNow();
			executor.awaitTermination(10, TimeUnit.SECONDS);
		}
		this.tracker.close();
	}

}
