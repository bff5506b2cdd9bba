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
	 * Lose one failure on a control executor and wait until the collector confirmed it:
	 * detection ran, so what was not reported by then is not reported at all.
	 */
	void awaitControlLeak() {
		ExecutorService control = pool("control");
		loseFailure(control);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaksOf("control")).hasSize(1);
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
