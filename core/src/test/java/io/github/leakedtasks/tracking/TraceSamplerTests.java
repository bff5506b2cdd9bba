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

}
