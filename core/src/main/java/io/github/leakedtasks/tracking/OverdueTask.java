package io.github.leakedtasks.tracking;

import java.time.Duration;

/**
 * A task queued or running for longer than the overdue threshold.
 *
 * @param executor name of the executor
 * @param task task type
 * @param state whether the task waits in the queue or runs
 * @param age how long it has been queued or running; for a task the tracker had not
 * listed yet (an untraced task that was still young), from when it was listed, at most
 * one sweep interval late
 * @param runningThread name of the thread running it, or {@code null} while queued
 * @param creationTrace where the task was created, or {@code null}
 * @param traceIds the trace and span the task was submitted in, or {@code null} without
 * tracing
 * @since 0.1.0
 */
public record OverdueTask(String executor, String task, State state, Duration age, String runningThread,
		CreationTrace creationTrace, TraceIds traceIds) {

	/**
	 * Create an overdue task without trace ids.
	 * @param executor name of the executor
	 * @param task task type
	 * @param state whether the task waits in the queue or runs
	 * @param age how long it has been queued or running
	 * @param runningThread name of the thread running it, or {@code null} while queued
	 * @param creationTrace where the task was created, or {@code null}
	 */
	public OverdueTask(String executor, String task, State state, Duration age, String runningThread,
			CreationTrace creationTrace) {
		this(executor, task, state, age, runningThread, creationTrace, null);
	}

	/**
	 * Where an overdue task is.
	 */
	public enum State {

		/**
		 * Waiting in the executor's queue.
		 */
		QUEUED,

		/**
		 * Running on a thread.
		 */
		RUNNING

	}

}
