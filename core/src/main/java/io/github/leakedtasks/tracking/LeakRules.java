package io.github.leakedtasks.tracking;

import java.time.Instant;
import java.util.concurrent.CompletableFuture;

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
	 * future, or saw it in a {@code whenComplete} action, and nobody received it from
	 * another stage that carries it (the stage it was handed on from, or one that stage
	 * also handed it to). It is lost if, besides, its future delivers a failure
	 * ({@link FailureWatch#delivered()}).
	 */
	static boolean isLost(FailureWatch watch) {
		TaskRecord record = watch.record;
		return !record.is(TaskRecord.RETRIEVED) && !record.is(TaskRecord.CANCELLED) && !record.is(TaskRecord.UNTRACKED)
				&& !record.isCancellation(watch.failure) && !record.failureSeenBySource(watch.failure)
				&& !record.isFailureReceived();
	}

	/**
	 * Whether a task will never run: it never started and was not cancelled. A task whose
	 * caller got the executor's own future, which no view stands in for (a
	 * {@code ForkJoinPool}'s), may have been cancelled through it unseen: it is never
	 * taken for dropped.
	 */
	static boolean isDropped(TaskRecord record) {
		return !record.is(TaskRecord.STARTED) && !record.is(TaskRecord.CANCELLED) && !record.is(TaskRecord.FINISHED)
				&& !record.is(TaskRecord.PASSED_OVER) && !record.is(TaskRecord.UNTRACKED) && !isCompletedAnyway(record);
	}

	/**
	 * Whether the future of a task a source of events saw dropped (the future behind
	 * {@code supplyAsync}) was completed by someone else, cancelled or timed out: nothing
	 * waits for the task then.
	 */
	private static boolean isCompletedAnyway(TaskRecord record) {
		return record.view() instanceof CompletableFuture<?> completable && completable.isDone();
	}

	static LeakReport toReport(LeakKind kind, TaskRecord record, Throwable failure, TrackingSettings settings,
			Instant time) {
		Throwable exception = (failure != null) ? TaskRecord.unwrap(failure) : null;
		TaskRecord described = record.described();
		return new LeakReport(kind, described.executor.name(), described.taskType, exception,
				CreationTrace.of(described.trace, settings), described.threadName, time, described.traceIds);
	}

}
