package io.github.leakedtasks.tracking;

import java.time.Instant;
import java.util.concurrent.CancellationException;

/**
 * What counts as a leak, decided from a task's record.
 *
 * @since 0.1.0
 */
final class LeakRules {

	private LeakRules() {
	}

	/**
	 * Whether a watched failure is lost: nobody retrieved it, cancelled its task, or saw
	 * it in a {@code whenComplete} action.
	 */
	static boolean isLost(FailureWatch watch) {
		TaskRecord record = watch.record;
		return !record.is(TaskRecord.RETRIEVED) && !record.is(TaskRecord.CANCELLED)
				&& !(TaskRecord.unwrap(watch.failure) instanceof CancellationException)
				&& !record.failureSeenBySource(watch.failure);
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
				CreationTrace.of(record.trace, settings), record.threadName, time);
	}

}
