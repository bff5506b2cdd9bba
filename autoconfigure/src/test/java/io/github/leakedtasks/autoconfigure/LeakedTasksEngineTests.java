package io.github.leakedtasks.autoconfigure;

import java.time.Duration;

import io.github.leakedtasks.tracking.CreationTraceMode;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link LeakedTasksEngine}'s writing of the agent's settings in its warning
 * (the warning itself is tested with the agent attached, in the agent's module).
 */
class LeakedTasksEngineTests {

	@Test
	void durationsAreWrittenInTheirLargestWholeUnit() {
		assertThat(LeakedTasksEngine.asProperty(Duration.ofSeconds(10))).isEqualTo("10s");
		assertThat(LeakedTasksEngine.asProperty(Duration.ofMinutes(2))).isEqualTo("2m");
		assertThat(LeakedTasksEngine.asProperty(Duration.ofHours(36))).isEqualTo("36h");
		assertThat(LeakedTasksEngine.asProperty(Duration.ofDays(200_000))).isEqualTo("200000d");
		assertThat(LeakedTasksEngine.asProperty(Duration.ofMillis(1500))).isEqualTo("1500ms");
		assertThat(LeakedTasksEngine.asProperty(Duration.ofNanos(1))).isEqualTo("1ns");
		assertThat(LeakedTasksEngine.asProperty(Duration.ZERO)).isEqualTo("0s");
		assertThat(LeakedTasksEngine.asProperty(Duration.ofSeconds(-10))).isEqualTo("-10s");
	}

	@Test
	void durationsTooLongForAnyWholeUnitAreWrittenAsIso8601() {
		// A whole number of nanoseconds too large for a long: no unit fits.
		Duration longest = Duration.ofSeconds(Long.MAX_VALUE, 999_999_999);
		assertThat(LeakedTasksEngine.asProperty(longest)).isEqualTo(longest.toString());
		assertThat(LeakedTasksEngine.asProperty(Duration.ofSeconds(Long.MAX_VALUE))).isEqualTo(Long.MAX_VALUE + "s");
	}

	@Test
	void modesAreWrittenInLowerCaseAndOtherSettingsAsTheyAre() {
		assertThat(LeakedTasksEngine.asProperty(CreationTraceMode.SAMPLED)).isEqualTo("sampled");
		assertThat(LeakedTasksEngine.asProperty(400)).isEqualTo("400");
	}

}
