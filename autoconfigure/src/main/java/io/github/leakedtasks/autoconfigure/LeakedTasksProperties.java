package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;

import io.github.leakedtasks.tracking.CreationTraceMode;
import io.github.leakedtasks.tracking.TrackingSettings;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.logging.LogLevel;
import org.springframework.validation.Errors;
import org.springframework.validation.Validator;

/**
 * Configuration properties for leaked-tasks.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("leaked-tasks")
public class LeakedTasksProperties implements Validator {

	/**
	 * Whether to track executors and {@code @Async} methods.
	 */
	private boolean enabled = true;

	/**
	 * Names of executor beans never wrapped.
	 */
	private Set<String> excludedExecutors = new LinkedHashSet<>();

	/**
	 * How long a failure may stay unretrieved before it is listed as suspected.
	 */
	private Duration gracePeriod = Duration.ofSeconds(10);

	/**
	 * Maximum number of leak groups kept; past it the oldest is evicted and counted.
	 */
	private int maxGroups = 500;

	/**
	 * Level at which each new group of leaks and each uncaught failure is logged.
	 */
	private LogLevel logLevel = LogLevel.ERROR;

	/**
	 * How long a task may be queued or running before it is listed as overdue.
	 */
	private Duration overdueThreshold = Duration.ofMinutes(5);

	private final CreationTrace creationTrace = new CreationTrace();

	private final Endpoint endpoint = new Endpoint();

	private final Jfr jfr = new Jfr();

	private final Tracing tracing = new Tracing();

	/**
	 * Frames between the caller and the engine when tasks are submitted through Spring
	 * proxies.
	 */
	private static final List<String> INTERNAL_FRAME_PREFIXES = List.of(AsyncSubmissionInterceptor.class.getName(),
			ExecutorTrackingInterceptor.class.getName(), "org.springframework.aop.", "org.springframework.cglib.",
			"java.lang.reflect.", "jdk.internal.reflect.");

	public boolean isEnabled() {
		return this.enabled;
	}

	public void setEnabled(boolean enabled) {
		this.enabled = enabled;
	}

	public Set<String> getExcludedExecutors() {
		return this.excludedExecutors;
	}

	public void setExcludedExecutors(Set<String> excludedExecutors) {
		this.excludedExecutors = excludedExecutors;
	}

	public Duration getGracePeriod() {
		return this.gracePeriod;
	}

	public void setGracePeriod(Duration gracePeriod) {
		this.gracePeriod = gracePeriod;
	}

	public int getMaxGroups() {
		return this.maxGroups;
	}

	public void setMaxGroups(int maxGroups) {
		this.maxGroups = maxGroups;
	}

	public LogLevel getLogLevel() {
		return this.logLevel;
	}

	public void setLogLevel(LogLevel logLevel) {
		this.logLevel = logLevel;
	}

	public Duration getOverdueThreshold() {
		return this.overdueThreshold;
	}

	public void setOverdueThreshold(Duration overdueThreshold) {
		this.overdueThreshold = overdueThreshold;
	}

	public CreationTrace getCreationTrace() {
		return this.creationTrace;
	}

	public Endpoint getEndpoint() {
		return this.endpoint;
	}

	public Jfr getJfr() {
		return this.jfr;
	}

	public Tracing getTracing() {
		return this.tracing;
	}

	TrackingSettings toSettings() {
		return TrackingSettings.builder()
			.traceMode(this.creationTrace.mode)
			.tracedTasksPerType(this.creationTrace.tracedTasksPerType)
			.sampleRate(this.creationTrace.sampleRate)
			.maxTraceDepth(this.creationTrace.maxDepth)
			.gracePeriod(this.gracePeriod)
			.maxGroups(this.maxGroups)
			.overdueThreshold(this.overdueThreshold)
			.internalFrames(LeakedTasksProperties::isInternalFrame)
			.build();
	}

	private static boolean isInternalFrame(String className) {
		// A CGLIB proxy class is named after the class it extends.
		return className.contains("$$SpringCGLIB$$")
				|| INTERNAL_FRAME_PREFIXES.stream().anyMatch(className::startsWith);
	}

	// Boot validates configuration properties that are a Validator, and its failure
	// analysis names the property,
	// the value and the reason.

	@Override
	public boolean supports(Class<?> type) {
		return LeakedTasksProperties.class.isAssignableFrom(type);
	}

	@Override
	public void validate(Object target, Errors errors) {
		LeakedTasksProperties properties = (LeakedTasksProperties) target;
		positive(errors, "gracePeriod", properties.gracePeriod);
		positive(errors, "overdueThreshold", properties.overdueThreshold);
		atLeast(errors, "maxGroups", properties.maxGroups, 1);
		atLeast(errors, "creationTrace.tracedTasksPerType", properties.creationTrace.tracedTasksPerType, 0);
		atLeast(errors, "creationTrace.sampleRate", properties.creationTrace.sampleRate, 1);
		atLeast(errors, "creationTrace.maxDepth", properties.creationTrace.maxDepth, 1);
		if (properties.creationTrace.mode == null) {
			errors.rejectValue("creationTrace.mode", "required", "must be one of always, sampled, off");
		}
		if (properties.endpoint.showValues == null) {
			errors.rejectValue("endpoint.showValues", "required", "must be one of never, when-authorized, always");
		}
		if (properties.logLevel == null) {
			errors.rejectValue("logLevel", "required", "must be a log level such as ERROR or WARN");
		}
	}

	private static void positive(Errors errors, String field, Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			errors.rejectValue(field, "positive", "must be a positive duration, such as 10s");
		}
	}

	private static void atLeast(Errors errors, String field, int value, int min) {
		if (value < min) {
			errors.rejectValue(field, "range", "must be at least " + min);
		}
	}

	/**
	 * Creation trace settings.
	 */
	public static class CreationTrace {

		/**
		 * When to capture the submitting thread's stack: 'always', 'sampled' (the first
		 * tasks of each task type, then one in 'sample-rate') or 'off'.
		 */
		private CreationTraceMode mode = CreationTraceMode.SAMPLED;

		/**
		 * Number of tasks of each task type that always get a trace in sampled mode.
		 */
		private int tracedTasksPerType = 10;

		/**
		 * In sampled mode, one task in this many gets a trace once its type had its first
		 * traces.
		 */
		private int sampleRate = 100;

		/**
		 * Maximum number of frames kept in a trace.
		 */
		private int maxDepth = 64;

		public CreationTraceMode getMode() {
			return this.mode;
		}

		public void setMode(CreationTraceMode mode) {
			this.mode = mode;
		}

		public int getTracedTasksPerType() {
			return this.tracedTasksPerType;
		}

		public void setTracedTasksPerType(int tracedTasksPerType) {
			this.tracedTasksPerType = tracedTasksPerType;
		}

		public int getSampleRate() {
			return this.sampleRate;
		}

		public void setSampleRate(int sampleRate) {
			this.sampleRate = sampleRate;
		}

		public int getMaxDepth() {
			return this.maxDepth;
		}

		public void setMaxDepth(int maxDepth) {
			this.maxDepth = maxDepth;
		}

	}

	/**
	 * Endpoint settings.
	 */
	public static class Endpoint {

		/**
		 * When to show exception messages, which can carry secrets.
		 */
		private ShowValues showValues = ShowValues.NEVER;

		/**
		 * Roles that may see exception messages when 'show-values' is 'when-authorized';
		 * empty means any authenticated user.
		 */
		private Set<String> roles = new LinkedHashSet<>();

		public ShowValues getShowValues() {
			return this.showValues;
		}

		public void setShowValues(ShowValues showValues) {
			this.showValues = showValues;
		}

		public Set<String> getRoles() {
			return this.roles;
		}

		public void setRoles(Set<String> roles) {
			this.roles = roles;
		}

	}

	/**
	 * JDK Flight Recorder settings.
	 */
	public static class Jfr {

		/**
		 * Whether to commit a Flight Recorder event for each report; free while no
		 * recording enables the events. Messages are recorded only with
		 * 'leaked-tasks.endpoint.show-values=always'.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * Tracing settings.
	 */
	public static class Tracing {

		/**
		 * Whether each task remembers the trace and span it was submitted in, with
		 * Micrometer Tracing and a Tracer bean, so that reports carry them.
		 */
		private boolean enabled = true;

		public boolean isEnabled() {
			return this.enabled;
		}

		public void setEnabled(boolean enabled) {
			this.enabled = enabled;
		}

	}

	/**
	 * When exception messages are shown; the values of Spring Boot's {@code Show}, which
	 * needs Actuator.
	 */
	public enum ShowValues {

		/**
		 * Never show messages.
		 */
		NEVER,

		/**
		 * Show messages to authorized users.
		 */
		WHEN_AUTHORIZED,

		/**
		 * Always show messages.
		 */
		ALWAYS

	}

}
