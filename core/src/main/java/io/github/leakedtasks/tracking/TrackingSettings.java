package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.Objects;
import java.util.function.Predicate;

/**
 * Immutable settings of a {@link TaskTracker}, validated when built.
 *
 * @since 0.1.0
 */
public final class TrackingSettings {

	private final CreationTraceMode traceMode;

	private final int tracedTasksPerType;

	private final int sampleRate;

	private final int maxSamplesPerSecond;

	private final int maxTraceDepth;

	private final Duration gracePeriod;

	private final int maxGroups;

	private final Duration overdueThreshold;

	private final int maxOverdueTasks;

	private final Predicate<String> internalFrames;

	private TrackingSettings(Builder builder) {
		this.traceMode = builder.traceMode;
		this.tracedTasksPerType = builder.tracedTasksPerType;
		this.sampleRate = builder.sampleRate;
		this.maxSamplesPerSecond = builder.maxSamplesPerSecond;
		this.maxTraceDepth = builder.maxTraceDepth;
		this.gracePeriod = builder.gracePeriod;
		this.maxGroups = builder.maxGroups;
		this.overdueThreshold = builder.overdueThreshold;
		this.maxOverdueTasks = builder.maxOverdueTasks;
		this.internalFrames = builder.internalFrames;
	}

	/**
	 * Return the default settings.
	 * @return the defaults
	 */
	public static TrackingSettings defaults() {
		return builder().build();
	}

	/**
	 * Return a duration in nanoseconds, at most {@link Long#MAX_VALUE}: a duration longer
	 * than 292 years (a setting meant as "never") has no end rather than no value.
	 * @param duration the duration
	 * @return its nanoseconds, 0 if negative
	 */
	static long saturatedNanos(Duration duration) {
		try {
			return Math.max(0, duration.toNanos());
		}
		catch (ArithmeticException ex) {
			return duration.isNegative() ? 0 : Long.MAX_VALUE;
		}
	}

	/**
	 * Return a builder that starts from the defaults.
	 * @return a new builder
	 */
	public static Builder builder() {
		return new Builder();
	}

	/**
	 * Return when tasks get a creation trace.
	 * @return the setting
	 */
	public CreationTraceMode traceMode() {
		return this.traceMode;
	}

	/**
	 * Return how many tasks of each type always get a trace in sampled mode.
	 * @return the setting
	 */
	public int tracedTasksPerType() {
		return this.tracedTasksPerType;
	}

	/**
	 * Return the sample rate: in sampled mode, one task in this many gets a trace after
	 * the first ones.
	 * @return the setting
	 */
	public int sampleRate() {
		return this.sampleRate;
	}

	/**
	 * Return how many tasks of each type at most get a trace from the sample each second,
	 * in sampled mode.
	 * @return the setting
	 */
	public int maxSamplesPerSecond() {
		return this.maxSamplesPerSecond;
	}

	/**
	 * Return the maximum number of frames kept in a creation trace.
	 * @return the setting
	 */
	public int maxTraceDepth() {
		return this.maxTraceDepth;
	}

	/**
	 * Return how long a failure may stay unretrieved before it is listed as suspected.
	 * @return the setting
	 */
	public Duration gracePeriod() {
		return this.gracePeriod;
	}

	/**
	 * Return the maximum number of groups of leaks kept; past it the oldest is evicted.
	 * @return the setting
	 */
	public int maxGroups() {
		return this.maxGroups;
	}

	/**
	 * Return how long a task may be queued or running before it is listed as overdue.
	 * @return the setting
	 */
	public Duration overdueThreshold() {
		return this.overdueThreshold;
	}

	/**
	 * Return the maximum number of overdue tasks listed.
	 * @return the setting
	 */
	public int maxOverdueTasks() {
		return this.maxOverdueTasks;
	}

	/**
	 * Return the test of class names whose frames are removed from the top of creation
	 * traces.
	 * @return the setting
	 */
	public Predicate<String> internalFrames() {
		return this.internalFrames;
	}

	/**
	 * Builder of {@link TrackingSettings}; each setter rejects values out of range with a
	 * message naming the setting.
	 */
	public static final class Builder {

		private CreationTraceMode traceMode = CreationTraceMode.SAMPLED;

		private int tracedTasksPerType = 10;

		private int sampleRate = 100;

		private int maxSamplesPerSecond = 100;

		private int maxTraceDepth = 64;

		private Duration gracePeriod = Duration.ofSeconds(10);

		private int maxGroups = 500;

		private Duration overdueThreshold = Duration.ofMinutes(5);

		private int maxOverdueTasks = 100;

		private Predicate<String> internalFrames = (className) -> false;

		private Builder() {
		}

		/**
		 * Set when tasks get a creation trace.
		 * @param traceMode {@link CreationTraceMode#SAMPLED} by default
		 * @return this builder
		 */
		public Builder traceMode(CreationTraceMode traceMode) {
			this.traceMode = Objects.requireNonNull(traceMode, "traceMode must not be null");
			return this;
		}

		/**
		 * Set how many tasks of each type always get a trace in sampled mode, and again
		 * after a leak of the type was reported without a trace (at most once a second
		 * per type).
		 * @param tracedTasksPerType 10 by default, 0 or more
		 * @return this builder
		 */
		public Builder tracedTasksPerType(int tracedTasksPerType) {
			this.tracedTasksPerType = atLeast("tracedTasksPerType", tracedTasksPerType, 0);
			return this;
		}

		/**
		 * Set the sample rate: in sampled mode, one task in this many gets a trace after
		 * the first ones.
		 * @param sampleRate 100 by default, at least 1
		 * @return this builder
		 */
		public Builder sampleRate(int sampleRate) {
			this.sampleRate = atLeast("sampleRate", sampleRate, 1);
			return this;
		}

		/**
		 * Set how many tasks of each type at most get a trace from the sample each
		 * second, in sampled mode: a burst of tasks then pays for that many captures of
		 * the stack, not for one in {@link #sampleRate(int)}. The first tasks of a type
		 * are not counted.
		 * @param maxSamplesPerSecond 100 by default, at least 1
		 * @return this builder
		 */
		public Builder maxSamplesPerSecond(int maxSamplesPerSecond) {
			this.maxSamplesPerSecond = atLeast("maxSamplesPerSecond", maxSamplesPerSecond, 1);
			return this;
		}

		/**
		 * Set the maximum number of frames kept in a creation trace.
		 * @param maxTraceDepth 64 by default, at least 1
		 * @return this builder
		 */
		public Builder maxTraceDepth(int maxTraceDepth) {
			this.maxTraceDepth = atLeast("maxTraceDepth", maxTraceDepth, 1);
			return this;
		}

		/**
		 * Set how long a failure may stay unretrieved before it is listed as suspected.
		 * @param gracePeriod 10 seconds by default, positive
		 * @return this builder
		 */
		public Builder gracePeriod(Duration gracePeriod) {
			this.gracePeriod = positive("gracePeriod", gracePeriod);
			return this;
		}

		/**
		 * Set the maximum number of groups of leaks kept; past it the oldest is evicted.
		 * @param maxGroups 500 by default, at least 1
		 * @return this builder
		 */
		public Builder maxGroups(int maxGroups) {
			this.maxGroups = atLeast("maxGroups", maxGroups, 1);
			return this;
		}

		/**
		 * Set how long a task may be queued or running before it is listed as overdue.
		 * @param overdueThreshold 5 minutes by default, positive
		 * @return this builder
		 */
		public Builder overdueThreshold(Duration overdueThreshold) {
			this.overdueThreshold = positive("overdueThreshold", overdueThreshold);
			return this;
		}

		/**
		 * Set the maximum number of overdue tasks listed.
		 * @param maxOverdueTasks 100 by default, at least 1
		 * @return this builder
		 */
		public Builder maxOverdueTasks(int maxOverdueTasks) {
			this.maxOverdueTasks = atLeast("maxOverdueTasks", maxOverdueTasks, 1);
			return this;
		}

		/**
		 * Add a test of class names whose frames are removed from the top of creation
		 * traces, such as proxy machinery between the caller and the executor.
		 * @param internalFrames whether a frame's class name is internal
		 * @return this builder
		 */
		public Builder internalFrames(Predicate<String> internalFrames) {
			this.internalFrames = this.internalFrames.or(Objects.requireNonNull(internalFrames, "internalFrames"));
			return this;
		}

		/**
		 * Build the settings.
		 * @return the settings
		 */
		public TrackingSettings build() {
			return new TrackingSettings(this);
		}

		private static int atLeast(String name, int value, int min) {
			if (value < min) {
				throw new IllegalArgumentException(name + " must be at least " + min + " but was " + value);
			}
			return value;
		}

		private static Duration positive(String name, Duration value) {
			Objects.requireNonNull(value, () -> name + " must not be null");
			if (value.isNegative() || value.isZero()) {
				throw new IllegalArgumentException(name + " must be positive but was " + value);
			}
			return value;
		}

	}

}
