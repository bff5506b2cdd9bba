package io.github.leakedtasks.autoconfigure;

import org.springframework.boot.diagnostics.AbstractFailureAnalyzer;
import org.springframework.boot.diagnostics.FailureAnalysis;

/**
 * Explains an {@link UnsupportedSpringBootVersionException} in Spring Boot's start-up
 * failure report.
 *
 * @since 0.1.0
 */
class UnsupportedSpringBootVersionFailureAnalyzer
		extends AbstractFailureAnalyzer<UnsupportedSpringBootVersionException> {

	@Override
	protected FailureAnalysis analyze(Throwable rootFailure, UnsupportedSpringBootVersionException cause) {
		String description = "leaked-tasks supports Spring Boot " + cause.getSupported()
				+ ", and this application runs Spring Boot " + cause.getVersion() + ".";
		String action = "Use Spring Boot " + cause.getSupported()
				+ ", or a leaked-tasks release that supports Spring Boot " + cause.getVersion()
				+ ". To start anyway, untested, set leaked-tasks.verify-spring-boot-version=false.";
		return new FailureAnalysis(description, action, cause);
	}

}
