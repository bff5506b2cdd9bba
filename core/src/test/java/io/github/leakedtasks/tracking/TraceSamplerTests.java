package io.github.leakedtasks.tracking;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

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

	static final class Task implements Runnable {

		@Override
		public void run() {
		}

	}

}
