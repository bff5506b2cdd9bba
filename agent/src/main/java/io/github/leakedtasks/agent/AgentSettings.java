package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.stream.Collectors;

import io.github.leakedtasks.tracking.CreationTraceMode;
import io.github.leakedtasks.tracking.TrackingSettings;

/**
 * Settings of the agent, from its options ({@code -javaagent:jar=grace-period=5s,...})
 * and from {@code leaked-tasks.*} system properties, which win; named like the Spring
 * Boot properties, with the same defaults.
 *
 * @since 0.1.0
 */
final class AgentSettings {

	static final String PREFIX = "leaked-tasks.";

	/** The settings the agent reads, in the order the README lists them. */
	static final List<String> NAMES = List.of("enabled", "grace-period", "log-level", "overdue-threshold", "max-groups",
			"creation-trace.mode", "creation-trace.traced-tasks-per-type", "creation-trace.sample-rate",
			"creation-trace.max-samples-per-second", "creation-trace.max-depth", "library-packages");

	/**
	 * The settings whose value is a list, comma-separated as Spring reads one: in the
	 * agent's options, whose own separator is the comma, an option without {@code =} that
	 * follows one of them is its next element.
	 */
	private static final List<String> LISTS = List.of("library-packages");

	/** A package name: Java identifiers separated by dots. */
	private static final java.util.regex.Pattern PACKAGE = java.util.regex.Pattern
		.compile("\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*"
				+ "(\\.\\p{javaJavaIdentifierStart}\\p{javaJavaIdentifierPart}*)*");

	private final Map<String, String> values;

	private final List<String> unknownOptions;

	private AgentSettings(Map<String, String> values, List<String> unknownOptions) {
		this.values = values;
		this.unknownOptions = unknownOptions;
	}

	static AgentSettings of(String options, Properties properties) {
		Map<String, String> values = new HashMap<>();
		List<String> unknown = new ArrayList<>();
		if (options != null && !options.isBlank()) {
			String list = null;
			for (String option : options.split(",")) {
				int equals = option.indexOf('=');
				String name = (equals > 0) ? key(option.substring(0, equals)) : option.trim();
				if (equals > 0 && NAMES.contains(name)) {
					putUnlessBlank(values, name, option.substring(equals + 1));
					list = LISTS.contains(name) ? name : null;
				}
				else if (equals < 0 && list != null) {
					values.merge(list, option.trim(), (first, next) -> first + "," + next);
				}
				else if (!option.isBlank()) {
					unknown.add(option.trim());
					list = null;
				}
			}
		}
		for (String name : properties.stringPropertyNames()) {
			if (name.startsWith(PREFIX)) {
				putUnlessBlank(values, key(name.substring(PREFIX.length())), properties.getProperty(name));
			}
		}
		// System properties are left alone: leaked-tasks.* also names the Spring
		// properties and the test module's settings, which the agent does not read.
		return new AgentSettings(values, List.copyOf(unknown));
	}

	/**
	 * An empty value is the default, as Spring reads an empty property: it neither fails
	 * the agent nor hides an agent option behind an empty system property.
	 */
	private static void putUnlessBlank(Map<String, String> values, String name, String value) {
		if (!value.isBlank()) {
			values.put(name, value.trim());
		}
	}

	/**
	 * Return the agent options that name no setting, or are not {@code name=value}: they
	 * are ignored, and the agent says so once.
	 * @return the options, as given
	 */
	List<String> unknownOptions() {
		return this.unknownOptions;
	}

	private static String key(String name) {
		return name.trim().toLowerCase(Locale.ROOT);
	}

	/**
	 * Whether a package is, or holds, the JDK's public packages ({@code java.},
	 * {@code javax.}), whose failures of futures are the application's, or the agent's.
	 */
	private static boolean isReserved(String name) {
		for (String reserved : List.of("java", "javax", "io.github.leakedtasks")) {
			if (name.equals(reserved) || name.startsWith(reserved + ".") || reserved.startsWith(name + ".")) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Return whether the agent is enabled, read as Spring reads a boolean property
	 * ({@code true}, {@code on}, {@code yes}, {@code 1} and their opposites).
	 */
	boolean enabled() {
		String value = this.values.getOrDefault("enabled", "true");
		return switch (value.toLowerCase(Locale.ROOT)) {
			case "true", "on", "yes", "1" -> true;
			case "false", "off", "no", "0" -> false;
			default -> throw new IllegalArgumentException("enabled must be true or false but was '" + value + "'");
		};
	}

	/**
	 * Read every setting once, so that a value that is not valid is found before anything
	 * is instrumented.
	 * @throws IllegalArgumentException naming the first setting whose value is not valid
	 */
	void validate() {
		enabled();
		logLevel();
		tracking();
		libraryPackages();
	}

	/**
	 * Return the packages of the libraries whose own failures of futures are theirs, not
	 * the application's, as the JDK's implementation's are (see {@code JdkCompleters}):
	 * package names, comma-separated, each with its subpackages.
	 * @return the packages, without a trailing dot
	 * @throws IllegalArgumentException if one is not a package name
	 */
	List<String> libraryPackages() {
		String value = this.values.get("library-packages");
		if (value == null) {
			return List.of();
		}
		List<String> packages = new ArrayList<>();
		for (String element : value.split(",")) {
			String name = element.trim();
			if (name.isEmpty()) {
				continue;
			}
			String stripped = name.endsWith(".*") ? name.substring(0, name.length() - 2)
					: name.endsWith(".") ? name.substring(0, name.length() - 1) : name;
			if (!PACKAGE.matcher(stripped).matches()) {
				throw new IllegalArgumentException("library-packages must be package names such as "
						+ "com.github.benmanes.caffeine but was '" + value + "' ('" + name + "' is none)");
			}
			if (isReserved(stripped)) {
				throw new IllegalArgumentException("library-packages must not hold the JDK's public packages or the "
						+ "agent's but was '" + value + "' ('" + name + "': the JDK's public classes fail futures"
						+ " on the application's behalf, as orTimeout does)");
			}
			packages.add(stripped);
		}
		return List.copyOf(packages);
	}

	/**
	 * Return the level at which leaks are logged, as Spring Boot's {@code LogLevel} names
	 * it; {@code OFF} logs nothing.
	 * @return the level, or {@code null} for none
	 */
	System.Logger.Level logLevel() {
		String level = this.values.getOrDefault("log-level", "error").toUpperCase(Locale.ROOT);
		return switch (level) {
			case "TRACE" -> System.Logger.Level.TRACE;
			case "DEBUG" -> System.Logger.Level.DEBUG;
			case "INFO" -> System.Logger.Level.INFO;
			case "WARN" -> System.Logger.Level.WARNING;
			case "ERROR", "FATAL" -> System.Logger.Level.ERROR;
			case "OFF" -> null;
			default -> throw new IllegalArgumentException("log-level must be one of TRACE, DEBUG, INFO, WARN, ERROR,"
					+ " FATAL, OFF but was '" + this.values.get("log-level") + "'");
		};
	}

	private static final java.util.List<String> STARTER_FRAMES = java.util.List.of(
			"io.github.leakedtasks.autoconfigure.AsyncSubmissionInterceptor",
			"io.github.leakedtasks.autoconfigure.ExecutorTrackingInterceptor",
			"io.github.leakedtasks.autoconfigure.DirectExecutorCalls", "org.springframework.aop.",
			"org.springframework.cglib.", "java.lang.reflect.", "jdk.internal.reflect.");

	/**
	 * Executors between an application's call and the future the agent sees created: the
	 * JDK's ({@code FutureTask.<init>}, {@code newTaskFor}, {@code submit},
	 * {@code supplyAsync}) and Spring's ({@code ThreadPoolTaskExecutor.submit}, the
	 * {@code @Async} interceptor and the proxy it is called through, and
	 * {@code FutureUtils.callAsync}, which {@code submitCompletable} calls by default). A
	 * trace starts at the application's call, as a wrapper's does.
	 */
	private static final java.util.List<String> EXECUTOR_FRAMES = java.util.List.of("java.util.concurrent.",
			"org.springframework.scheduling.concurrent.", "org.springframework.core.task.",
			"org.springframework.scheduling.annotation.AnnotationAsyncExecutionInterceptor",
			"org.springframework.util.concurrent.FutureUtils");

	TrackingSettings tracking() {
		// The agent's own frames and the engine's source sit on top of every creation
		// trace; so do the Spring starter's, which reports through this engine when both
		// run (the same frames LeakedTasksProperties names for its own engine), and the
		// executor's own. Only the frames on top are left out.
		TrackingSettings.Builder builder = TrackingSettings.builder()
			.internalFrames((className) -> className.startsWith("io.github.leakedtasks.agent.bootstrap.")
					|| className.startsWith(EngineSink.class.getName())
					|| className.equals("io.github.leakedtasks.tracking.FutureEvents")
					|| STARTER_FRAMES.stream().anyMatch(className::startsWith)
					|| EXECUTOR_FRAMES.stream().anyMatch(className::startsWith)
					|| className.contains("$$SpringCGLIB$$"));
		set("grace-period", (value) -> duration("grace-period", value), builder::gracePeriod);
		set("overdue-threshold", (value) -> duration("overdue-threshold", value), builder::overdueThreshold);
		set("max-groups", (value) -> integer("max-groups", value), builder::maxGroups);
		set("creation-trace.mode", AgentSettings::traceMode, builder::traceMode);
		set("creation-trace.traced-tasks-per-type", (value) -> integer("creation-trace.traced-tasks-per-type", value),
				builder::tracedTasksPerType);
		set("creation-trace.sample-rate", (value) -> integer("creation-trace.sample-rate", value), builder::sampleRate);
		set("creation-trace.max-samples-per-second", (value) -> integer("creation-trace.max-samples-per-second", value),
				builder::maxSamplesPerSecond);
		set("creation-trace.max-depth", (value) -> integer("creation-trace.max-depth", value), builder::maxTraceDepth);
		return builder.build();
	}

	/**
	 * Hand a setting's value to the builder, if it is set: a value the builder refuses (a
	 * zero cap, a negative duration) is named as the option, with the value as given.
	 */
	private <T> void set(String name, Function<String, T> parse, Consumer<T> setter) {
		String value = this.values.get(name);
		if (value == null) {
			return;
		}
		T parsed = parse.apply(value);
		try {
			setter.accept(parsed);
		}
		catch (IllegalArgumentException ex) {
			String reason = String.valueOf(ex.getMessage());
			int must = reason.indexOf(" must ");
			int but = reason.lastIndexOf(" but was ");
			String rule = (must >= 0 && but > must) ? reason.substring(must + 1, but) : "is not valid";
			throw new IllegalArgumentException(name + " " + rule + " but was '" + value + "'", ex);
		}
	}

	private static CreationTraceMode traceMode(String value) {
		try {
			return CreationTraceMode.valueOf(value.trim().toUpperCase(Locale.ROOT).replace('-', '_'));
		}
		catch (IllegalArgumentException ex) {
			throw new IllegalArgumentException(
					"creation-trace.mode must be one of " + Arrays.stream(CreationTraceMode.values())
						.map((mode) -> mode.name().toLowerCase(Locale.ROOT))
						.collect(Collectors.joining(", ")) + " but was '" + value + "'",
					ex);
		}
	}

	private static int integer(String name, String value) {
		try {
			return Integer.parseInt(value);
		}
		catch (NumberFormatException ex) {
			throw new IllegalArgumentException(name + " must be a number but was '" + value + "'", ex);
		}
	}

	/**
	 * Parse a duration as Spring Boot does: {@code 500ms}, {@code 10s}, {@code 5m},
	 * {@code 1h}, {@code 1d}, ISO-8601 ({@code PT10S}), or plain milliseconds.
	 */
	static Duration duration(String name, String value) {
		try {
			String text = value.trim().toLowerCase(Locale.ROOT);
			if (text.startsWith("p") || text.startsWith("-p")) {
				return Duration.parse(value.trim());
			}
			String[][] units = { { "ns", "NANOS" }, { "us", "MICROS" }, { "ms", "MILLIS" }, { "s", "SECONDS" },
					{ "m", "MINUTES" }, { "h", "HOURS" }, { "d", "DAYS" } };
			for (String[] unit : units) {
				if (text.endsWith(unit[0])) {
					// No space before the unit, as Spring Boot reads it: "10 s" is
					// refused.
					long amount = Long.parseLong(text.substring(0, text.length() - unit[0].length()));
					return Duration.of(amount, java.time.temporal.ChronoUnit.valueOf(unit[1]));
				}
			}
			return Duration.ofMillis(Long.parseLong(text));
		}
		catch (RuntimeException ex) {
			throw new IllegalArgumentException(name + " must be a duration such as 10s but was '" + value + "'", ex);
		}
	}

}
