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
	 * Whether to track executors and @Async methods.
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
	 * Level at which each new group of leaks (and each frame new to a group that its
	 * failures were thrown at) and each uncaught failure is logged.
	 */
	private LogLevel logLevel = LogLevel.ERROR;

	/**
	 * How long a task may be queued or running before it is listed as overdue.
	 */
	private Duration overdueThreshold = Duration.ofMinutes(5);

	/**
	 * Whether to stop start-up on a Spring Boot version this release was not tested with.
	 */
	private boolean verifySpringBootVersion = true;

	private final CreationTrace creationTrace = new CreationTrace();

	private final Endpoint endpoint = new Endpoint();

	private final Jfr jfr = new Jfr();

	private final Tracing tracing = new Tracing();

	/**
	 * Frames between the caller and the engine when tasks are submitted through Spring
	 * proxies.
	 */
	private static final List<String> INTERNAL_FRAME_PREFIXES = List.of(AsyncSubmissionInterceptor.class.getName(),
			ExecutorTrackingInterceptor.class.getName(), DirectExecutorCalls.class.getName(),
			"org.springframework.aop.", "org.springframework.cglib.", "java.lang.reflect.", "jdk.internal.reflect.");

	/**
	 * Create properties with their defaults.
	 */
	public LeakedTasksProperties() {
	}

	/**
	 * Return the value of {@code leaked-tasks.enabled}.
	 * @return the value
	 */
	public boolean isEnabled() {
		return this.enabled;
	}

	/**
	 * Set {@code leaked-tasks.enabled}.
	 * @param enabled the value; {@code null} (an empty property) leaves it as it is
	 */
	public void setEnabled(Boolean enabled) {
		if (enabled != null) {
			this.enabled = enabled;
		}
	}

	/**
	 * Return the value of {@code leaked-tasks.excluded-executors}.
	 * @return the value
	 */
	public Set<String> getExcludedExecutors() {
		return this.excludedExecutors;
	}

	/**
	 * Set {@code leaked-tasks.excluded-executors}.
	 * @param excludedExecutors the value
	 */
	public void setExcludedExecutors(Set<String> excludedExecutors) {
		this.excludedExecutors = excludedExecutors;
	}

	/**
	 * Return the value of {@code leaked-tasks.grace-period}.
	 * @return the value
	 */
	public Duration getGracePeriod() {
		return this.gracePeriod;
	}

	/**
	 * Set {@code leaked-tasks.grace-period}.
	 * @param gracePeriod the value
	 */
	public void setGracePeriod(Duration gracePeriod) {
		this.gracePeriod = gracePeriod;
	}

	/**
	 * Return the value of {@code leaked-tasks.max-groups}.
	 * @return the value
	 */
	public int getMaxGroups() {
		return this.maxGroups;
	}

	/**
	 * Set {@code leaked-tasks.max-groups}.
	 * @param maxGroups the value; {@code null} (an empty property) leaves it as it is
	 */
	public void setMaxGroups(Integer maxGroups) {
		if (maxGroups != null) {
			this.maxGroups = maxGroups;
		}
	}

	/**
	 * Return the value of {@code leaked-tasks.log-level}.
	 * @return the value
	 */
	public LogLevel getLogLevel() {
		return this.logLevel;
	}

	/**
	 * Set {@code leaked-tasks.log-level}.
	 * @param logLevel the value
	 */
	public void setLogLevel(LogLevel logLevel) {
		this.logLevel = logLevel;
	}

	/**
	 * Return the value of {@code leaked-tasks.overdue-threshold}.
	 * @return the value
	 */
	public Duration getOverdueThreshold() {
		return this.overdueThreshold;
	}

	/**
	 * Set {@code leaked-tasks.overdue-threshold}.
	 * @param overdueThreshold the value
	 */
	public void setOverdueThreshold(Duration overdueThreshold) {
		this.overdueThreshold = overdueThreshold;
	}

	/**
	 * Return the value of {@code leaked-tasks.verify-spring-boot-version}.
	 * @return the value
	 */
	public boolean isVerifySpringBootVersion() {
		return this.verifySpringBootVersion;
	}

	/**
	 * Set {@code leaked-tasks.verify-spring-boot-version}.
	 * @param verifySpringBootVersion the value; {@code null} (an empty property) leaves
	 * it as it is
	 */
	public void setVerifySpringBootVersion(Boolean verifySpringBootVersion) {
		if (verifySpringBootVersion != null) {
			this.verifySpringBootVersion = verifySpringBootVersion;
		}
	}

	/**
	 * Return the creation trace settings.
	 * @return the value
	 */
	public CreationTrace getCreationTrace() {
		return this.creationTrace;
	}

	/**
	 * Return the endpoint settings.
	 * @return the value
	 */
	public Endpoint getEndpoint() {
		return this.endpoint;
	}

	/**
	 * Return the JFR settings.
	 * @return the value
	 */
	public Jfr getJfr() {
		return this.jfr;
	}

	/**
	 * Return the tracing settings.
	 * @return the value
	 */
	public Tracing getTracing() {
		return this.tracing;
	}

	TrackingSettings toSettings() {
		return TrackingSettings.builder()
			.traceMode(this.creationTrace.mode)
			.tracedTasksPerType(this.creationTrace.tracedTasksPerType)
			.sampleRate(this.creationTrace.sampleRate)
			.maxSamplesPerSecond(this.creationTrace.maxSamplesPerSecond)
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
	// analysis names the property, the value and the reason. Every field is checked here,
	// so that one start-up lists every value out of its range. A nested group's field is
	// named by its path (creationTrace.maxDepth) without Boot's "Origin" line, which Boot
	// finds only for the direct fields of the object validated: checking the group where
	// Boot binds it would give it that line, but Boot then stops at the group and hides
	// the other invalid values until it is fixed.

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
		atLeast(errors, "creationTrace.maxSamplesPerSecond", properties.creationTrace.maxSamplesPerSecond, 1);
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
		 * Number of tasks of each task type that always get a trace in sampled mode; as
		 * many again after a leak of the type was reported without a trace (at most once
		 * a second per type).
		 */
		private int tracedTasksPerType = 10;

		/**
		 * In sampled mode, one task in this many gets a trace once its type had its first
		 * traces.
		 */
		private int sampleRate = 100;

		/**
		 * In sampled mode, at most this many tasks of each task type a second get a trace
		 * from the sample (one in 'sample-rate'), so that tasks piling up do not pay for
		 * a stack capture each hundredth; the first tasks of a type are not counted.
		 */
		private int maxSamplesPerSecond = 100;

		/**
		 * Maximum number of frames kept in a trace.
		 */
		private int maxDepth = 64;

		/**
		 * Create settings with their defaults.
		 */
		public CreationTrace() {
		}

		/**
		 * Return the value of {@code leaked-tasks.creation-trace.mode}.
		 * @return the value
		 */
		public CreationTraceMode getMode() {
			return this.mode;
		}

		/**
		 * Set {@code leaked-tasks.creation-trace.mode}.
		 * @param mode the value
		 */
		public void setMode(CreationTraceMode mode) {
			this.mode = mode;
		}

		/**
		 * Return the value of {@code leaked-tasks.creation-trace.traced-tasks-per-type}.
		 * @return the value
		 */
		public int getTracedTasksPerType() {
			return this.tracedTasksPerType;
		}

		/**
		 * Set {@code leaked-tasks.creation-trace.traced-tasks-per-type}.
		 * @param tracedTasksPerType the value; {@code null} (an empty property) leaves it
		 * as it is
		 */
		public void setTracedTasksPerType(Integer tracedTasksPerType) {
			if (tracedTasksPerType != null) {
				this.tracedTasksPerType = tracedTasksPerType;
			}
		}

		/**
		 * Return the value of {@code leaked-tasks.creation-trace.sample-rate}.
		 * @return the value
		 */
		public int getSampleRate() {
			return this.sampleRate;
		}

		/**
		 * Set {@code leaked-tasks.creation-trace.sample-rate}.
		 * @param sampleRate the value; {@code null} (an empty property) leaves it as it
		 * is
		 */
		public void setSampleRate(Integer sampleRate) {
			if (sampleRate != null) {
				this.sampleRate = sampleRate;
			}
		}

		/**
		 * Return the value of {@code leaked-tasks.creation-trace.max-samples-per-second}.
		 * @return the value
		 */
		public int getMaxSamplesPerSecond() {
			return this.maxSamplesPerSecond;
		}

		/**
		 * Set {@code leaked-tasks.creation-trace.max-samples-per-second}.
		 * @param maxSamplesPerSecond the value; {@code null} (an empty property) leaves
		 * it as it is
		 */
		public void setMaxSamplesPerSecond(Integer maxSamplesPerSecond) {
			if (maxSamplesPerSecond != null) {
				this.maxSamplesPerSecond = maxSamplesPerSecond;
			}
		}

		/**
		 * Return the value of {@code leaked-tasks.creation-trace.max-depth}.
		 * @return the value
		 */
		public int getMaxDepth() {
			return this.maxDepth;
		}

		/**
		 * Set {@code leaked-tasks.creation-trace.max-depth}.
		 * @param maxDepth the value; {@code null} (an empty property) leaves it as it is
		 */
		public void setMaxDepth(Integer maxDepth) {
			if (maxDepth != null) {
				this.maxDepth = maxDepth;
			}
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

		/**
		 * Create settings with their defaults.
		 */
		public Endpoint() {
		}

		/**
		 * Return the value of {@code leaked-tasks.endpoint.show-values}.
		 * @return the value
		 */
		public ShowValues getShowValues() {
			return this.showValues;
		}

		/**
		 * Set {@code leaked-tasks.endpoint.show-values}.
		 * @param showValues the value
		 */
		public void setShowValues(ShowValues showValues) {
			this.showValues = showValues;
		}

		/**
		 * Return the value of {@code leaked-tasks.endpoint.roles}.
		 * @return the value
		 */
		public Set<String> getRoles() {
			return this.roles;
		}

		/**
		 * Set {@code leaked-tasks.endpoint.roles}.
		 * @param roles the value
		 */
		public void setRoles(Set<String> roles) {
			this.roles = roles;
		}

	}

	/**
	 * JDK Flight Recorder settings.
	 */
	public static class Jfr {

		/**
		 * Create the JFR settings with their defaults.
		 */
		public Jfr() {
		}

		/**
		 * Whether to commit a Flight Recorder event for each report; free while no
		 * recording enables the events. Messages are recorded only with
		 * 'leaked-tasks.endpoint.show-values=always'.
		 */
		private boolean enabled = true;

		/**
		 * Return whether it is enabled.
		 * @return the value
		 */
		public boolean isEnabled() {
			return this.enabled;
		}

		/**
		 * Set whether it is enabled.
		 * @param enabled the value; {@code null} (an empty property) leaves it as it is
		 */
		public void setEnabled(Boolean enabled) {
			if (enabled != null) {
				this.enabled = enabled;
			}
		}

	}

	/**
	 * Tracing settings.
	 */
	public static class Tracing {

		/**
		 * Create the tracing settings with their defaults.
		 */
		public Tracing() {
		}

		/**
		 * Whether each task remembers the trace and span it was submitted in, with
		 * Micrometer Tracing and a Tracer bean, so that reports carry them.
		 */
		private boolean enabled = true;

		/**
		 * Return whether it is enabled.
		 * @return the value
		 */
		public boolean isEnabled() {
			return this.enabled;
		}

		/**
		 * Set whether it is enabled.
		 * @param enabled the value; {@code null} (an empty property) leaves it as it is
		 */
		public void setEnabled(Boolean enabled) {
			if (enabled != null) {
				this.enabled = enabled;
			}
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
