package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Rule 6: each report says where its task was created, the caller's frame first; sampling
 * always traces the first tasks of each type.
 */
class CreationTraceTests {

	@Test
	void firstFrameOfCreationTraceIsTheCallersLine() throws InterruptedException {
		try (TrackerFixture fixture = new TrackerFixture(settings(CreationTraceMode.ALWAYS, 64))) {
			int line = loseFailureAndReturnLine(fixture.pool("orders"));
			List<StackTraceElement> frames = awaitLeak(fixture).creationTrace().frames();
			assertThat(frames.get(0).getClassName()).isEqualTo(getClass().getName());
			assertThat(frames.get(0).getMethodName()).isEqualTo("loseFailureAndReturnLine");
			assertThat(frames.get(0).getLineNumber()).isEqualTo(line);
			assertThat(frames.get(1).getMethodName()).isEqualTo("firstFrameOfCreationTraceIsTheCallersLine");
		}
	}

	@Test
	void offModeCapturesNoTrace() throws InterruptedException {
		try (TrackerFixture fixture = new TrackerFixture(settings(CreationTraceMode.OFF, 64))) {
			loseFailureAndReturnLine(fixture.pool("orders"));
			assertThat(awaitLeak(fixture).creationTrace()).isNull();
		}
	}

	@Test
	void sampledModeTracesTheFirstTasksOfEachType() {
		TraceSampler sampler = new TraceSampler(TrackingSettings.builder()
			.traceMode(CreationTraceMode.SAMPLED)
			.tracedTasksPerType(3)
			.sampleRate(1_000_000)
			.build());
		assertThat(sampler.shouldCapture("a")).isTrue();
		assertThat(sampler.shouldCapture("a")).isTrue();
		assertThat(sampler.shouldCapture("a")).isTrue();
		assertThat(sampler.shouldCapture("b")).isTrue();
		int sampled = 0;
		for (int i = 0; i < 1000; i++) {
			sampled += sampler.shouldCapture("a") ? 1 : 0;
		}
		assertThat(sampled).isLessThan(10);
	}

	/**
	 * A task type submitted from two places: the first tasks, traced, came from one, and
	 * the other's lost failure is reported without a trace; its next one shows where.
	 */
	@Test
	void leakReportedWithoutATraceHasTheNextTasksOfItsTypeTraced() throws Exception {
		TrackingSettings settings = TrackingSettings.builder()
			.traceMode(CreationTraceMode.SAMPLED)
			.tracedTasksPerType(3)
			.sampleRate(1_000_000)
			.build();
		try (TrackerFixture fixture = new TrackerFixture(settings)) {
			ExecutorService pool = fixture.pool("orders");
			for (int i = 0; i < 3; i++) {
				assertThat(pool.submit(new Work(false)).get(30, TimeUnit.SECONDS)).isEqualTo("done");
			}
			TrackerFixture.awaitDone(pool.submit(new Work(true)));
			assertThat(awaitLeaks(fixture, 1).get(0).creationTrace()).as("past the first traces").isNull();
			int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
			TrackerFixture.awaitDone(pool.submit(new Work(true)));
			List<StackTraceElement> frames = awaitLeaks(fixture, 2).get(1).creationTrace().frames();
			assertThat(frames.get(0).getMethodName())
				.isEqualTo("leakReportedWithoutATraceHasTheNextTasksOfItsTypeTraced");
			assertThat(frames.get(0).getLineNumber()).isEqualTo(line);
		}
	}

	@Test
	void traceDepthIsBounded() throws InterruptedException {
		try (TrackerFixture fixture = new TrackerFixture(settings(CreationTraceMode.ALWAYS, 2))) {
			loseFailureAndReturnLine(fixture.pool("orders"));
			assertThat(awaitLeak(fixture).creationTrace().frames()).hasSize(2);
		}
	}

	@Test
	void traceDepthOfTheLargestIntKeepsEveryFrameAndTheLeakIsReported() throws InterruptedException {
		// A depth added to the first frame's index overflowed: every report was lost.
		try (TrackerFixture fixture = new TrackerFixture(settings(CreationTraceMode.ALWAYS, Integer.MAX_VALUE))) {
			int line = loseFailureAndReturnLine(fixture.pool("orders"));
			List<StackTraceElement> frames = awaitLeak(fixture).creationTrace().frames();
			assertThat(frames.get(0).getLineNumber()).isEqualTo(line);
			assertThat(frames.get(frames.size() - 1).getClassName()).isNotEqualTo(getClass().getName());
		}
	}

	@Test
	void traceStartsAtTheFirstFrameThatIsNotInternal() {
		Throwable capture = CreationTrace.capture();
		StackTraceElement[] raw = capture.getStackTrace();
		int caller = 0;
		while (raw[caller].getClassName().equals(CreationTrace.class.getName())
				|| raw[caller].getClassName().equals(getClass().getName())) {
			caller++;
		}
		CreationTrace trace = CreationTrace.of(capture,
				TrackingSettings.builder()
					.internalFrames((className) -> className.equals(getClass().getName()))
					.build());
		assertThat(trace.site()).isEqualTo(raw[caller]);
	}

	@Test
	void traceWhoseEveryFrameIsInternalKeepsTheJdksFrames() {
		CreationTrace trace = CreationTrace.of(CreationTrace.capture(),
				TrackingSettings.builder().internalFrames((className) -> true).build());
		assertThat(trace.frames()).isNotEmpty();
		assertThat(trace.site().getClassName()).startsWith("java.");
	}

	@Test
	void traceOfATaskCreatedOnAPoolsThreadByInternalCodeKeepsTheJdksFrames() throws Exception {
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			Throwable capture = pool.submit(CreationTrace::capture).get(30, TimeUnit.SECONDS);
			CreationTrace trace = CreationTrace.of(capture,
					TrackingSettings.builder()
						.internalFrames((className) -> className.startsWith("java.util.concurrent."))
						.build());
			// Not Thread.run alone.
			assertThat(trace.site().getClassName()).startsWith("java.util.concurrent.");
		}
		finally {
			pool.shutdown();
		}
	}

	private static TrackingSettings settings(CreationTraceMode mode, int depth) {
		return TrackingSettings.builder().traceMode(mode).maxTraceDepth(depth).build();
	}

	private static int loseFailureAndReturnLine(ExecutorService executor) {
		int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
		Future<Object> future = executor.submit(() -> {
			throw new IllegalStateException("lost");
		});
		TrackerFixture.awaitDone(future);
		return line;
	}

	private static List<LeakReport> awaitLeaks(TrackerFixture fixture, int count) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(fixture.listener.leaks).hasSize(count);
		});
		return List.copyOf(fixture.listener.leaks);
	}

	private static LeakReport awaitLeak(TrackerFixture fixture) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(fixture.listener.leaks).hasSize(1);
		});
		return fixture.listener.leaks.get(0);
	}

	/**
	 * A task of a named class, whose type is counted by name.
	 */
	static final class Work implements Callable<Object> {

		private final boolean fails;

		Work(boolean fails) {
			this.fails = fails;
		}

		@Override
		public Object call() {
			if (this.fails) {
				throw new IllegalStateException("lost");
			}
			return "done";
		}

	}

}
