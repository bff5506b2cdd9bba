package io.github.leakedtasks.tracking;

import java.time.Instant;

/**
 * What counts as a leak, decided from a task's record.
 *
 * @since 0.1.0
 */
final class LeakRules {

	private LeakRules() {
	}

	/**
	 * Whether a watched failure may still be lost: nobody was handed it, cancelled its
	 * future, or saw it in a {@code whenComplete} action. It is lost if, besides, its
	 * future delivers a failure ({@link FailureWatch#delivered()}).
	 */
	static boolean isLost(FailureWatch watch) {
		TaskRecord record = watch.record;
		return !record.is(TaskRecord.RETRIEVED) && !record.is(TaskRecord.CANCELLED) && !record.is(TaskRecord.UNTRACKED)
				&& !record.isCancellation(watch.failure) && !record.failureSeenBySource(watch.failure);
	}

	/**
	 * Whether a task will never run: it never started and was not cancelled.
	 */
	static boolean isDropped(TaskRecord record) {
		return !record.is(TaskRecord.STARTED) && !record.is(TaskRecord.CANCELLED) && !record.is(TaskRecord.FINISHED);
	}

	static LeakReport toReport(LeakKind kind, TaskRecord record, Throwable failure, TrackingSettings settings,
			Instant time) {
		Throwable exception = (failure != null) ? TaskRecord.unwrap(failure) : null;
		return new LeakReport(kind, record.executor.name(), record.taskType, exception,
				CreationTrace.of(record.trace, settings), record.threadName, time, record.traceIds);
	}

}
