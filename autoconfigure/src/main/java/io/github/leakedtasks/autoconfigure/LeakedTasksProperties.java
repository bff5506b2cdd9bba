package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.Set;

import io.github.leakedtasks.tracking.CreationTraceMode;
import io.github.leakedtasks.tracking.TrackingSettings;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.logging.LogLevel;

/**
 * Configuration properties for leaked-tasks.
 *
 * @since 0.1.0
 */
@ConfigurationProperties("leaked-tasks")
public class LeakedTasksProperties {

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
		this.gracePeriod = positive(gracePeriod);
	}

	public int getMaxGroups() {
		return this.maxGroups;
	}

	public void setMaxGroups(int maxGroups) {
		this.maxGroups = atLeastOne(maxGroups);
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
		this.overdueThreshold = positive(overdueThreshold);
	}

	public CreationTrace getCreationTrace() {
		return this.creationTrace;
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
			.build();
	}

	// Setters reject bad values so that start-up fails naming the property, the value and
	// what is allowed.

	static Duration positive(Duration value) {
		if (value == null || value.isNegative() || value.isZero()) {
			throw new IllegalArgumentException("must be a positive duration, such as 10s");
		}
		return value;
	}

	static int atLeastOne(int value) {
		if (value < 1) {
			throw new IllegalArgumentException("must be at least 1");
		}
		return value;
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
			if (tracedTasksPerType < 0) {
				throw new IllegalArgumentException("must be 0 or more");
			}
			this.tracedTasksPerType = tracedTasksPerType;
		}

		public int getSampleRate() {
			return this.sampleRate;
		}

		public void setSampleRate(int sampleRate) {
			this.sampleRate = atLeastOne(sampleRate);
		}

		public int getMaxDepth() {
			return this.maxDepth;
		}

		public void setMaxDepth(int maxDepth) {
			this.maxDepth = atLeastOne(maxDepth);
		}

	}

}
