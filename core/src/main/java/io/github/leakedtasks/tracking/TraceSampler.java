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

	TraceSampler(TrackingSettings settings) {
		this.mode = settings.traceMode();
		this.firstPerType = settings.tracedTasksPerType();
		this.rate = settings.sampleRate();
	}

	int typeCount() {
		return this.seenByType.size();
	}

	boolean shouldCapture(String taskType) {
		switch (this.mode) {
			case ALWAYS:
				return true;
			case OFF:
				return false;
			default:
				return sample(taskType);
		}
	}

	private boolean sample(String taskType) {
		AtomicInteger seen = this.seenByType.get(taskType);
		if (seen == null) {
			if (this.seenByType.size() >= MAX_TYPES) {
				return this.rate == 1 || ThreadLocalRandom.current().nextInt(this.rate) == 0;
			}
			seen = this.seenByType.computeIfAbsent(taskType, (key) -> new AtomicInteger());
		}
		// The counter is written only for the first tasks of a type, so steady state
		// shares no written state.
		if (seen.get() < this.firstPerType && seen.getAndIncrement() < this.firstPerType) {
			return true;
		}
		return this.rate == 1 || ThreadLocalRandom.current().nextInt(this.rate) == 0;
	}

}
