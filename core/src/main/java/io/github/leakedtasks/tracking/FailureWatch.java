package io.github.leakedtasks.tracking;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.util.concurrent.Future;

/**
 * Watches the future of a failed task: once the collector proves the future unreachable,
 * a failure still not retrieved can never be.
 *
 * @since 0.1.0
 */
final class FailureWatch extends PhantomReference<Object> {

	final TaskRecord record;

	final Throwable failure;

	/**
	 * The executor's future that says what the caller's future delivers, or {@code null}
	 * when the caller's future is the engine's own.
	 */
	private final Future<?> delivering;

	final long failedAt;

	/** Sweeps this watch waited, collected, for its executor's future to complete. */
	int undecidedSweeps;

	final long failedAtMillis;

	FailureWatch(Object future, Future<?> delivering, TaskRecord record, Throwable failure,
			ReferenceQueue<Object> queue) {
		super(future, queue);
		this.delivering = delivering;
		this.record = record;
		this.failure = failure;
		this.failedAt = System.nanoTime();
		this.failedAtMillis = System.currentTimeMillis();
	}

	/**
	 * Return the failure the watched future delivers to whoever reads it: {@code null} if
	 * it completed normally or was cancelled, {@link TrackedFuture.Outcome#PENDING} if it
	 * has not completed yet.
	 */
	Object delivered() {
		return (this.delivering != null) ? TrackedFuture.outcome(this.delivering) : this.failure;
	}

}
