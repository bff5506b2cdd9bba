package io.github.leakedtasks.autoconfigure;

/**
 * Thrown at start-up when the application runs a Spring Boot version leaked-tasks does
 * not support.
 *
 * @since 0.1.0
 */
public class UnsupportedSpringBootVersionException extends IllegalStateException {

	private static final long serialVersionUID = 1L;

	/**
	 * Spring Boot version the application runs.
	 */
	private final String version;

	/**
	 * Spring Boot versions leaked-tasks supports.
	 */
	private final String supported;

	/**
	 * Create an exception.
	 * @param version the Spring Boot version the application runs
	 * @param supported the versions leaked-tasks supports
	 */
	public UnsupportedSpringBootVersionException(String version, String supported) {
		super("leaked-tasks supports Spring Boot " + supported + ", not " + version
				+ ". Use a supported Spring Boot version, or set "
				+ "leaked-tasks.verify-spring-boot-version=false to start anyway, untested.");
		this.version = version;
		this.supported = supported;
	}

	/**
	 * Return the Spring Boot version the application runs.
	 * @return the version
	 */
	public String getVersion() {
		return this.version;
	}

	/**
	 * Return the Spring Boot versions leaked-tasks supports.
	 * @return the versions, such as {@code 4.0.x and 4.1.x}
	 */
	public String getSupported() {
		return this.supported;
	}

}
