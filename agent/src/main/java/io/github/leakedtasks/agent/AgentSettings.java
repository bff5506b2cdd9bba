package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;

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

	private final Map<String, String> values;

	private AgentSettings(Map<String, String> values) {
		this.values = values;
	}

	static AgentSettings of(String options, Properties properties) {
		Map<String, String> values = new HashMap<>();
		if (options != null && !options.isBlank()) {
			for (String option : options.split(",")) {
				int equals = option.indexOf('=');
				if (equals > 0) {
					values.put(key(option.substring(0, equals)), option.substring(equals + 1).trim());
				}
			}
		}
		for (String name : properties.stringPropertyNames()) {
			if (name.startsWith(PREFIX)) {
				values.put(key(name.substring(PREFIX.length())), properties.getProperty(name).trim());
			}
		}
		return new AgentSettings(values);
	}

	private static String key(String name) {
		return name.trim().toLowerCase(Locale.ROOT);
	}

	boolean enabled() {
		return !"false".equalsIgnoreCase(this.values.get("enabled"));
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
			default -> throw new IllegalArgumentException(
					"log-level must be one of TRACE, DEBUG, INFO, WARN, ERROR," + " FATAL, OFF but was " + level);
		};
	}

	private static final java.util.List<String> STARTER_FRAMES = java.util.List.of(
			"io.github.leakedtasks.autoconfigure.AsyncSubmissionInterceptor",
			"io.github.leakedtasks.autoconfigure.ExecutorTrackingInterceptor", "org.springframework.aop.",
			"org.springframework.cglib.", "java.lang.reflect.", "jdk.internal.reflect.");

	/**
	 * Executors between an application's call and the future the agent sees created: the
	 * JDK's ({@code FutureTask.<init>}, {@code newTaskFor}, {@code submit},
	 * {@code supplyAsync}) and Spring's ({@code ThreadPoolTaskExecutor.submit}, the
	 * {@code @Async} interceptor and the proxy it is called through). A trace starts at
	 * the application's call, as a wrapper's does.
	 */
	private static final java.util.List<String> EXECUTOR_FRAMES = java.util.List.of("java.util.concurrent.",
			"org.springframework.scheduling.concurrent.", "org.springframework.core.task.",
			"org.springframework.scheduling.annotation.AnnotationAsyncExecutionInterceptor");

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
		String value;
		if ((value = this.values.get("grace-period")) != null) {
			builder.gracePeriod(duration("grace-period", value));
		}
		if ((value = this.values.get("overdue-threshold")) != null) {
			builder.overdueThreshold(duration("overdue-threshold", value));
		}
		if ((value = this.values.get("max-groups")) != null) {
			builder.maxGroups(integer("max-groups", value));
		}
		if ((value = this.values.get("creation-trace.mode")) != null) {
			builder.traceMode(CreationTraceMode.valueOf(value.toUpperCase(Locale.ROOT).replace('-', '_')));
		}
		if ((value = this.values.get("creation-trace.traced-tasks-per-type")) != null) {
			builder.tracedTasksPerType(integer("creation-trace.traced-tasks-per-type", value));
		}
		if ((value = this.values.get("creation-trace.sample-rate")) != null) {
			builder.sampleRate(integer("creation-trace.sample-rate", value));
		}
		if ((value = this.values.get("creation-trace.max-samples-per-second")) != null) {
			builder.maxSamplesPerSecond(integer("creation-trace.max-samples-per-second", value));
		}
		if ((value = this.values.get("creation-trace.max-depth")) != null) {
			builder.maxTraceDepth(integer("creation-trace.max-depth", value));
		}
		return builder.build();
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
					long amount = Long.parseLong(text.substring(0, text.length() - unit[0].length()).trim());
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
