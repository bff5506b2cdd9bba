package io.github.leakedtasks.tracking;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Decides which tasks get a creation trace: always the first tasks of each task type,
 * then a random sample, so that the first leak from any place in the code shows where it
 * came from.
 *
 * @since 0.1.0
 */
final class TraceSampler {

	private final CreationTraceMode mode;

	private final int firstPerType;

	private final int rate;

	/**
	 * Task types counted for their first traces; past it, new types are sampled at the
	 * rate alone, so that an application generating classes at run time cannot grow it
	 * without bound.
	 */
	static final int MAX_TYPES = 10_000;

	private final ConcurrentHashMap<String, AtomicInteger> seenByType = new ConcurrentHashMap<>();

	/**
	 * Stands for the count of a type past {@link #MAX_TYPES}: its first tasks are over.
	 */
	private static final AtomicInteger UNCOUNTED = new AtomicInteger(Integer.MAX_VALUE);

	/**
	 * The count of each task class's type, found without building its name again: what a
	 * source that sees every future's creation reads for each.
	 */
	private final ClassValue<AtomicInteger> seenByClass = new ClassValue<>() {

		@Override
		protected AtomicInteger computeValue(Class<?> type) {
			return counter(ExecutorTracking.typeName(type));
		}

	};

	TraceSampler(TrackingSettings settings) {
		this.mode = settings.traceMode();
		this.firstPerType = settings.tracedTasksPerType();
		this.rate = settings.sampleRate();
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
	 * The first tasks of a type, then, if {@code sampled}, one in the rate. The counter
	 * is written only for the first tasks of a type, so steady state shares no written
	 * state.
	 */
	private boolean firstOrSampled(AtomicInteger seen, boolean sampled) {
		if (seen.get() < this.firstPerType && seen.getAndIncrement() < this.firstPerType) {
			return true;
		}
		return sampled && (this.rate == 1 || ThreadLocalRandom.current().nextInt(this.rate) == 0);
	}

	/**
	 * Return the counter of a task type; past {@link #MAX_TYPES} types, one whose first
	 * tasks are over.
	 */
	private AtomicInteger counter(String taskType) {
		AtomicInteger seen = this.seenByType.get(taskType);
		if (seen == null) {
			if (this.seenByType.size() >= MAX_TYPES) {
				return UNCOUNTED;
			}
			seen = this.seenByType.computeIfAbsent(taskType, (key) -> new AtomicInteger());
		}
		return seen;
	}

}
