package io.github.leakedtasks.autoconfigure;

import java.util.regex.Pattern;

/**
 * Stops start-up on a Spring Boot version this release was not tested with, so that the
 * application fails with a message naming the supported versions rather than with a
 * {@link LinkageError} from a class or method that is missing.
 *
 * @since 0.1.0
 */
final class SpringBootVersionCheck {

	/**
	 * Spring Boot versions tested, as the README's "Supported versions" lists them
	 * (.ci/run runs the tests with the oldest 4.0.x and the newest 4.1.x).
	 */
	static final String SUPPORTED = "4.0.x and 4.1.x";

	private static final Pattern SUPPORTED_VERSION = Pattern.compile("4\\.[01](\\..*)?");

	private SpringBootVersionCheck() {
	}

	/**
	 * Fail if Spring Boot's version is known and not supported.
	 * @param version the version, {@code null} if unknown
	 * @throws UnsupportedSpringBootVersionException if the version is not supported
	 */
	static void check(String version) {
		if (version != null && !isSupported(version)) {
			throw new UnsupportedSpringBootVersionException(version, SUPPORTED);
		}
	}

	static boolean isSupported(String version) {
		return SUPPORTED_VERSION.matcher(version).matches();
	}

}
