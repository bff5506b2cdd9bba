package io.github.leakedtasks.tracking;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicLongArray;
import java.util.function.LongSupplier;

/**
 * Decides which tasks get a creation trace: always the first tasks of each task type,
 * then a random sample, and the first ones again after a leak of the type was reported
 * without a trace, so that the place a leak comes from shows. The sample takes at most
 * {@link TrackingSettings#maxSamplesPerSecond()} tasks of a type each second (about: a
 * new second is started without a lock), so that the cost of capturing stacks stays
 * bounded when tasks pile up: a burst of 50,000 tasks would otherwise walk the submitting
 * thread's stack 500 times.
 *
 * @since 0.1.0
 */
final class TraceSampler {

	private final CreationTraceMode mode;

	private final int firstPerType;

	private final int rate;

	private final int maxSamplesPerSecond;

	private final LongSupplier nanoTime;

	/**
	 * Task types counted for their first traces; past it, new types are sampled at the
	 * rate alone, so that an application generating classes at run time cannot grow it
	 * without bound.
	 */
	static final int MAX_TYPES = 10_000;

	/** Slots of a type's count ({@link #newCount}). */
	private static final int SEEN = 0;

	private static final int SECOND = 1;

	private static final int SAMPLED = 2;

	private static final int RETRACED = 3;

	/** Nanoseconds between two times a type's first traces are given again. */
	private static final long RETRACE_INTERVAL = 1_000_000_000L;

	private static final long NO_SECOND = Long.MIN_VALUE;

	private final ConcurrentHashMap<String, AtomicLongArray> seenByType = new ConcurrentHashMap<>();

	/**
	 * Stands for the count of every type past {@link #MAX_TYPES}: their first tasks are
	 * over, and they share one limit of samples.
	 */
	private final AtomicLongArray uncounted = newCount(Integer.MAX_VALUE);

	/**
	 * The count of each task class's type, found without building its name again: what a
	 * source that sees every future's creation reads for each. Every lambda expression (a
	 * hidden class named after the class that declares it) has a count of its own,
	 * although the lambdas of a class share its type's name: ten handled tasks of one
	 * lambda must not use up the first traces of another place in the same class. Such a
	 * count lives as long as its class, and is not among the names {@link #MAX_TYPES}
	 * bounds: a class declares a bounded number of lambdas.
	 */
	private final ClassValue<AtomicLongArray> seenByClass = new ClassValue<>() {

		@Override
		protected AtomicLongArray computeValue(Class<?> type) {
			return isLambda(type) ? newCount(0) : counter(ExecutorTracking.typeName(type));
		}

	};

	TraceSampler(TrackingSettings settings) {
		this(settings, System::nanoTime);
	}

	TraceSampler(TrackingSettings settings, LongSupplier nanoTime) {
		this.mode = settings.traceMode();
		this.firstPerType = settings.tracedTasksPerType();
		this.rate = settings.sampleRate();
		this.maxSamplesPerSecond = settings.maxSamplesPerSecond();
		this.nanoTime = nanoTime;
	}

	private static boolean isLambda(Class<?> type) {
		return type.isHidden() && type.getName().contains("$$Lambda");
	}

	int typeCount() {
		return this.seenByType.size();
	}

	boolean shouldCapture(String taskType) {
		return (this.mode == CreationTraceMode.SAMPLED) ? firstOrSampled(counter(taskType), true)
				: this.mode == CreationTraceMode.ALWAYS;
	}

	/**
	 * Decide for a task whose type is its class: as {@link #shouldCapture(String)}, its
	 * counter found through the class instead of the type's name.
	 * @param task the task
	 * @return whether to capture its creation trace
	 */
	boolean shouldCaptureTask(Object task) {
		return (this.mode == CreationTraceMode.SAMPLED) ? firstOrSampled(this.seenByClass.get(task.getClass()), true)
				: this.mode == CreationTraceMode.ALWAYS;
	}

	/**
	 * Decide for a source that sees the creation of every future, of which almost all
	 * succeed (the Java agent's): in {@code sampled} mode, only the first tasks of each
	 * type, so that a task created past them allocates nothing; the random sample is left
	 * out.
	 * @param task the task, whose class names its type
	 * @return whether to capture its creation trace
	 */
	boolean shouldCaptureFirst(Object task) {
		return (this.mode == CreationTraceMode.SAMPLED) ? firstOrSampled(this.seenByClass.get(task.getClass()), false)
				: this.mode == CreationTraceMode.ALWAYS;
	}

	/**
	 * Return whether {@link #shouldCaptureFirst} can return {@code true}.
	 * @return whether some creations are traced
	 */
	boolean capturesAny() {
		return this.mode == CreationTraceMode.ALWAYS
				|| (this.mode == CreationTraceMode.SAMPLED && this.firstPerType > 0);
	}

	/**
	 * The first tasks of a type, then, if {@code sampled}, one in the rate, up to the
	 * limit of each second. The counter is written only for the first tasks of a type,
	 * and the count of a second only for the tasks the sample picks until the limit is
	 * reached, so steady state shares little written state.
	 */
	private boolean firstOrSampled(AtomicLongArray seen, boolean sampled) {
		if (seen.get(SEEN) < this.firstPerType && seen.getAndIncrement(SEEN) < this.firstPerType) {
			return true;
		}
		return sampled && oneInRate() && sampled(seen, this.nanoTime.getAsLong(), this.maxSamplesPerSecond);
	}

	/**
	 * Note that a leak of a task type was reported without a creation trace: the next
	 * tasks of that type are traced as its first ones were, so that the place a repeated
	 * leak comes from shows when a task type is submitted from several places (an
	 * {@code @Async} method called from several classes) and the first traces went to
	 * others. At most once a second per type, so that a storm of leaks does not have
	 * every task traced. Only in {@code sampled} mode, and only for types counted by
	 * name: a lambda's own count (a place in the code of its own) and the types past
	 * {@link #MAX_TYPES} are left as they are. Nothing on the path of a task.
	 * @param taskType the task type of the leak
	 */
	void untracedLeak(String taskType) {
		if (this.mode != CreationTraceMode.SAMPLED || this.firstPerType == 0 || taskType == null) {
			return;
		}
		AtomicLongArray seen = this.seenByType.get(taskType);
		if (seen == null || seen.get(SEEN) < this.firstPerType) {
			return;
		}
		long now = this.nanoTime.getAsLong();
		long last = seen.get(RETRACED);
		if ((last == NO_SECOND || now - last >= RETRACE_INTERVAL) && seen.compareAndSet(RETRACED, last, now)) {
			seen.set(SEEN, 0);
		}
	}

	/**
	 * Return {@code true} once in {@link #rate} calls, at random: a random 32-bit value
	 * scaled to {@code [0, rate)} by a multiplication, not {@code nextInt(rate)}'s
	 * division, which every task submitted past its type's first would pay.
	 */
	private boolean oneInRate() {
		return this.rate == 1 || ((ThreadLocalRandom.current().nextInt() & 0xFFFFFFFFL) * this.rate) >>> 32 == 0;
	}

	/**
	 * Return the counter of a task type; past {@link #MAX_TYPES} types, one whose first
	 * tasks are over.
	 */
	private AtomicLongArray counter(String taskType) {
		AtomicLongArray seen = this.seenByType.get(taskType);
		if (seen == null) {
			if (this.seenByType.size() >= MAX_TYPES) {
				return this.uncounted;
			}
			seen = this.seenByType.computeIfAbsent(taskType, (key) -> newCount(0));
		}
		return seen;
	}

	/**
	 * Make the count of a type: the tasks seen so far (up to the first ones), the second
	 * of the latest sample, the tasks sampled in that second, and when its first traces
	 * were last given again ({@link #untracedLeak}). A {@code java.base} type, since the
	 * {@link ClassValue} stores it on the task's class, which may be the JDK's
	 * ({@code FutureTask}): a class of this library there would keep an undeployed
	 * application's class loader until that class's values are next looked at.
	 */
	private static AtomicLongArray newCount(long seen) {
		AtomicLongArray count = new AtomicLongArray(4);
		count.set(SEEN, seen);
		count.set(SECOND, NO_SECOND);
		count.set(RETRACED, NO_SECOND);
		return count;
	}

	/**
	 * Count a task the random sample picked; return whether it is within the limit of its
	 * second.
	 */
	private static boolean sampled(AtomicLongArray count, long nanoTime, int limit) {
		long now = Math.floorDiv(nanoTime, 1_000_000_000L);
		if (now != count.get(SECOND)) {
			// Without a lock: threads that start the same second together may each reset
			// its count, and one may be refused until the reset is seen, so the limit is
			// kept about, not exactly.
			count.set(SECOND, now);
			count.set(SAMPLED, 0);
		}
		// Past the limit, the count is only read.
		return count.get(SAMPLED) < limit && count.incrementAndGet(SAMPLED) <= limit;
	}

}
