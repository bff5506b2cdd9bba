package io.github.leakedtasks.tracking;

import java.util.concurrent.atomic.AtomicLong;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests for {@link TraceSampler}: what it keeps stays bounded.
 */
class TraceSamplerTests {

	@Test
	void taskTypesCountedForTheirFirstTracesAreBounded() {
		TraceSampler sampler = new TraceSampler(TrackingSettings.defaults());
		for (int i = 0; i < TraceSampler.MAX_TYPES * 2; i++) {
			sampler.shouldCapture("Generated" + i);
		}
		assertThat(sampler.typeCount()).isEqualTo(TraceSampler.MAX_TYPES);
	}

	@Test
	void firstTasksOfATypeAreAlwaysTraced() {
		TraceSampler sampler = new TraceSampler(TrackingSettings.defaults());
		for (int i = 0; i < TrackingSettings.defaults().tracedTasksPerType(); i++) {
			assertThat(sampler.shouldCapture("Orders")).isTrue();
		}
	}

	@Test
	void firstTasksOfATypeAreCountedOnceWhetherLookedUpByClassOrByName() {
		TrackingSettings settings = TrackingSettings.builder().tracedTasksPerType(4).sampleRate(1_000_000).build();
		TraceSampler sampler = new TraceSampler(settings);
		Runnable task = new Task();
		String type = ExecutorTracking.typeName(Task.class);
		assertThat(sampler.shouldCaptureTask(task)).isTrue();
		assertThat(sampler.shouldCapture(type)).isTrue();
		assertThat(sampler.shouldCaptureFirst(task)).isTrue();
		assertThat(sampler.shouldCaptureTask(task)).isTrue();
		// The four first tasks are over; one in a million is left to chance.
		int traced = 0;
		for (int i = 0; i < 100; i++) {
			traced += (sampler.shouldCaptureTask(task) ? 1 : 0) + (sampler.shouldCaptureFirst(task) ? 1 : 0);
		}
		assertThat(traced).isLessThanOrEqualTo(1);
		assertThat(sampler.typeCount()).isOne();
	}

	/**
	 * The lambdas of a class share its type's name, but each is a place in the code of
	 * its own: the first tasks of each are traced, whoever is looking (a wrapper or the
	 * Java agent).
	 */
	@Test
	void firstTasksOfEachLambdaOfAClassAreTraced() {
		TrackingSettings settings = TrackingSettings.builder().tracedTasksPerType(2).sampleRate(1_000_000).build();
		TraceSampler sampler = new TraceSampler(settings);
		Runnable handled = () -> {
		};
		Runnable leaked = () -> {
		};
		assertThat(ExecutorTracking.typeName(handled.getClass()))
			.isEqualTo(ExecutorTracking.typeName(leaked.getClass()));
		assertThat(sampler.shouldCaptureTask(handled)).isTrue();
		assertThat(sampler.shouldCaptureFirst(handled)).isTrue();
		int traced = 0;
		for (int i = 0; i < 100; i++) {
			traced += (sampler.shouldCaptureTask(handled) ? 1 : 0) + (sampler.shouldCaptureFirst(handled) ? 1 : 0);
		}
		assertThat(traced).isLessThanOrEqualTo(1);
		assertThat(sampler.shouldCaptureFirst(leaked)).isTrue();
		assertThat(sampler.shouldCaptureTask(leaked)).isTrue();
	}

	@Test
	void sampleTakesAtMostTheLimitOfATypeEachSecond() {
		TrackingSettings settings = TrackingSettings.builder()
			.tracedTasksPerType(2)
			.sampleRate(1)
			.maxSamplesPerSecond(5)
			.build();
		AtomicLong now = new AtomicLong(7_000_000_000L);
		TraceSampler sampler = new TraceSampler(settings, now::get);
		Runnable task = new Task();
		assertThat(traced(sampler, task, 100)).as("the first two, then five of the sample").isEqualTo(7);
		assertThat(traced(sampler, new Other(), 100)).as("another type counts on its own").isEqualTo(7);
		now.addAndGet(999_999_999L);
		assertThat(traced(sampler, task, 100)).as("the same second").isZero();
		now.addAndGet(1);
		assertThat(traced(sampler, task, 100)).as("the next second").isEqualTo(5);
		assertThat(sampler.shouldCaptureFirst(task)).as("a source that traces the first ones only").isFalse();
	}

	@Test
	void limitCountsTheSampleOfTypesPastTheBoundTogether() {
		TrackingSettings settings = TrackingSettings.builder()
			.tracedTasksPerType(0)
			.sampleRate(1)
			.maxSamplesPerSecond(3)
			.build();
		TraceSampler sampler = new TraceSampler(settings, () -> 0L);
		for (int i = 0; i < TraceSampler.MAX_TYPES; i++) {
			sampler.shouldCapture("Generated" + i);
		}
		int traced = 0;
		for (int i = 0; i < 50; i++) {
			traced += sampler.shouldCapture("Beyond" + i) ? 1 : 0;
		}
		assertThat(traced).isEqualTo(3);
	}

	@Test
	void limitMustBePositive() {
		assertThatIllegalArgumentException().isThrownBy(() -> TrackingSettings.builder().maxSamplesPerSecond(0))
			.withMessageContaining("maxSamplesPerSecond");
	}

	@Test
	void sampleTracesOneTaskInTheRateAfterTheFirstOnes() {
		TrackingSettings settings = TrackingSettings.builder()
			.tracedTasksPerType(0)
			.sampleRate(8)
			.maxSamplesPerSecond(Integer.MAX_VALUE)
			.build();
		TraceSampler sampler = new TraceSampler(settings);
		// 80,000 draws of one in 8: 10,000 expected, a standard deviation of 94.
		assertThat(traced(sampler, new Task(), 80_000)).isBetween(9_000, 11_000);
		TraceSampler rare = new TraceSampler(TrackingSettings.builder()
			.tracedTasksPerType(0)
			.sampleRate(Integer.MAX_VALUE)
			.maxSamplesPerSecond(Integer.MAX_VALUE)
			.build());
		assertThat(traced(rare, new Task(), 80_000)).isLessThanOrEqualTo(1);
	}

	/**
	 * A task type submitted from several places (an {@code @Async} method) may use its
	 * first traces on one: a leak of it reported without a trace has its next tasks
	 * traced as the first ones were, by a wrapper and by the Java agent alike, at most
	 * once a second.
	 */
	@Test
	void untracedLeakHasTheNextTasksOfItsTypeTracedAtMostOnceASecond() {
		AtomicLong now = new AtomicLong(7_000_000_000L);
		TraceSampler sampler = threeFirstTraces(now);
		Runnable task = new Task();
		String type = ExecutorTracking.typeName(Task.class);
		assertThat(traced(sampler, task, 100)).as("the first ones").isEqualTo(3);
		sampler.untracedLeak(type);
		assertThat(sampler.shouldCaptureFirst(task)).as("the Java agent's next task").isTrue();
		assertThat(traced(sampler, task, 100)).as("the wrapper's").isEqualTo(2);
		sampler.untracedLeak(type);
		assertThat(traced(sampler, task, 100)).as("again in the same second").isZero();
		now.addAndGet(999_999_999L);
		sampler.untracedLeak(type);
		assertThat(traced(sampler, task, 100)).as("within a second of the last time").isZero();
		now.addAndGet(1);
		sampler.untracedLeak(type);
		assertThat(traced(sampler, task, 100)).as("a second after it").isEqualTo(3);
		assertThat(sampler.shouldCapture("Orders")).as("another type counts on its own").isTrue();
	}

	@Test
	void untracedLeakOfATypeStillWithinItsFirstTracesOrOfNoCountedTypeTracesNothingMore() {
		TraceSampler sampler = threeFirstTraces(new AtomicLong(7_000_000_000L));
		Runnable task = new Task();
		String type = ExecutorTracking.typeName(Task.class);
		assertThat(sampler.shouldCaptureTask(task)).isTrue();
		sampler.untracedLeak(type);
		assertThat(traced(sampler, task, 100)).as("the first ones, not more").isEqualTo(2);
		sampler.untracedLeak("NeverSeen");
		sampler.untracedLeak(null);
		assertThat(sampler.typeCount()).as("no count made for a leak").isOne();
		Runnable lambda = () -> {
		};
		assertThat(traced(sampler, lambda, 100)).isEqualTo(3);
		sampler.untracedLeak(ExecutorTracking.typeName(lambda.getClass()));
		assertThat(traced(sampler, lambda, 100)).as("a lambda's own count").isZero();
	}

	@Test
	void untracedLeakTracesNothingMoreOutsideSampledMode() {
		for (CreationTraceMode mode : new CreationTraceMode[] { CreationTraceMode.OFF, CreationTraceMode.ALWAYS }) {
			TraceSampler sampler = new TraceSampler(TrackingSettings.builder().traceMode(mode).build());
			Runnable task = new Task();
			int before = traced(sampler, task, 20);
			sampler.untracedLeak(ExecutorTracking.typeName(Task.class));
			assertThat(traced(sampler, task, 20)).as(mode.name()).isEqualTo(before);
		}
	}

	/**
	 * A sampler that traces the first three tasks of a type and, past them, one in a
	 * million, on the given clock.
	 */
	private static TraceSampler threeFirstTraces(AtomicLong now) {
		return new TraceSampler(TrackingSettings.builder().tracedTasksPerType(3).sampleRate(1_000_000).build(),
				now::get);
	}

	private static int traced(TraceSampler sampler, Object task, int tasks) {
		int traced = 0;
		for (int i = 0; i < tasks; i++) {
			traced += sampler.shouldCaptureTask(task) ? 1 : 0;
		}
		return traced;
	}

	static final class Other implements Runnable {

		@Override
		public void run() {
		}

	}

	static final class Task implements Runnable {

		@Override
		public void run() {
		}

	}

}
