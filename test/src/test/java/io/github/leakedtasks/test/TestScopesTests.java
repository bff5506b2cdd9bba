package io.github.leakedtasks.test;

import java.io.InterruptedIOException;
import java.io.UncheckedIOException;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;

/**
 * Tests of how {@link TestScopes} reads {@code leaked-tasks.test.await-timeout}, says
 * when nothing tracks tasks, and tells a failure an interrupt caused.
 */
class TestScopesTests {

	@ParameterizedTest
	@CsvSource({ "5s, 5000", "500ms, 500", "' 2S ', 2000", "0s, 0", "+3s, 3000", "1m, 60000", "1h, 3600000",
			"1d, 86400000", "250, 250", "2000000ns, 2", "3000us, 3", "PT5S, 5000", "pt5s, 5000", "PT1M, 60000",
			"PT0.25S, 250" })
	void awaitTimeoutIsReadAsSpringBootReadsADuration(String value, long millis) {
		assertThat(TestScopes.timeout(Optional.of(value))).isEqualTo(Duration.ofMillis(millis));
	}

	@ParameterizedTest
	@ValueSource(strings = { "five", "5x", "5 s", "1.5s", "s", "ms", "PT", "P5S", "" })
	void awaitTimeoutThatIsNoDurationIsRejectedWithTheSettingsName(String value) {
		assertThatIllegalArgumentException().isThrownBy(() -> TestScopes.timeout(Optional.of(value)))
			.withMessage("leaked-tasks.test.await-timeout must be a duration such as 5s, 500ms or PT5S, not '" + value
					+ "'");
	}

	@ParameterizedTest
	@ValueSource(strings = { "-1s", "-500ms", "-PT5S", "PT-5S" })
	void negativeAwaitTimeoutIsRejected(String value) {
		assertThatIllegalArgumentException().isThrownBy(() -> TestScopes.timeout(Optional.of(value)))
			.withMessage("leaked-tasks.test.await-timeout must not be negative, not '" + value + "'");
	}

	@Test
	void failureAnInterruptCausedIsToldFromATimeout() {
		assertThat(TestScopes.causedByInterrupt(new IllegalStateException(new InterruptedException()))).isTrue();
		assertThat(TestScopes.causedByInterrupt(new UncheckedIOException(new InterruptedIOException()))).isTrue();
		assertThat(TestScopes.causedByInterrupt(new ClosedByInterruptException())).isTrue();
		// A read that timed out: an InterruptedIOException that no interrupt caused.
		assertThat(TestScopes.causedByInterrupt(new UncheckedIOException(new SocketTimeoutException("Read timed out"))))
			.isFalse();
		assertThat(TestScopes.causedByInterrupt(new IllegalStateException("boom"))).isFalse();
	}

	@Test
	void withoutAValueTheDefaultIsFiveSeconds() {
		assertThat(System.getProperty("leaked-tasks.test.await-timeout")).isNull();
		assertThat(TestScopes.timeout(Optional.empty())).isEqualTo(Duration.ofSeconds(5));
	}

	@Test
	void nothingTrackedIsSaidOnceAndOnlyWithoutATracker() {
		List<String> warnings = new ArrayList<>();
		TestScopes.NothingTracked check = new TestScopes.NothingTracked();
		check.check(() -> true, warnings::add);
		assertThat(warnings).isEmpty();
		check.check(() -> false, warnings::add);
		check.check(() -> false, warnings::add);
		assertThat(warnings).containsExactly(TestScopes.NothingTracked.MESSAGE);
		assertThat(warnings.get(0)).contains("-javaagent");
	}

}
