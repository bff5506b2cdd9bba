package io.github.leakedtasks.autoconfigure;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.boot.SpringBootVersion;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.diagnostics.FailureAnalyzer;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.core.io.support.SpringFactoriesLoader;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatNoException;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * Tests for {@link SpringBootVersionCheck}.
 */
class SpringBootVersionCheckTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class));

	@ParameterizedTest
	@ValueSource(strings = { "4.0.0", "4.0.7", "4.1.0-RC1", "4.1.2", "4.1.99-SNAPSHOT" })
	void supportedVersionPasses(String version) {
		assertThatNoException().isThrownBy(() -> SpringBootVersionCheck.check(version));
	}

	@ParameterizedTest
	@ValueSource(strings = { "3.5.7", "4.2.0", "4.10.0", "5.0.0", "40.1.0" })
	void unsupportedVersionFailsWithMessageNamingSupportedVersions(String version) {
		assertThatExceptionOfType(UnsupportedSpringBootVersionException.class)
			.isThrownBy(() -> SpringBootVersionCheck.check(version))
			.withMessageContaining("leaked-tasks supports Spring Boot 4.0.x and 4.1.x, not " + version)
			.withMessageContaining("leaked-tasks.verify-spring-boot-version=false");
	}

	@Test
	void unknownVersionPasses() {
		assertThatNoException().isThrownBy(() -> SpringBootVersionCheck.check(null));
	}

	@Test
	void springBootOfTheBuildIsSupported() {
		// The compatibility runs of .ci/run build with other Spring Boot versions.
		assertThat(SpringBootVersionCheck.isSupported(SpringBootVersion.getVersion())).isTrue();
		this.contextRunner.run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void failureAnalyzerExplainsUnsupportedVersion() {
		// Boot's own analyzers need constructor arguments: only this one is instantiated.
		FailureAnalyzer analyzer = SpringFactoriesLoader.forDefaultResourceLocation()
			.load(FailureAnalyzer.class, (type, implementation, failure) -> {
			})
			.stream()
			.filter(UnsupportedSpringBootVersionFailureAnalyzer.class::isInstance)
			.findFirst()
			.orElseThrow();
		FailureAnalysis analysis = analyzer.analyze(new IllegalStateException("Failed to create bean",
				new UnsupportedSpringBootVersionException("3.5.7", SpringBootVersionCheck.SUPPORTED)));
		assertThat(analysis.getDescription()).isEqualTo(
				"leaked-tasks supports Spring Boot 4.0.x and 4.1.x, and this application runs Spring Boot 3.5.7.");
		assertThat(analysis.getAction()).contains("leaked-tasks.verify-spring-boot-version=false");
	}

}
