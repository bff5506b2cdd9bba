package io.github.leakedtasks.tracking;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;

/**
 * Watches the future of a failed task: once the collector proves the future unreachable,
 * a failure still not retrieved can never be.
 *
 * @since 0.1.0
 */
final class FailureWatch extends PhantomReference<Object> {

	final TaskRecord record;

	final Throwable failure;

	final long failedAt;

	final long failedAtMillis;

	FailureWatch(Object future, TaskRecord record, Throwable failure, ReferenceQueue<Object> queue) {
		super(future, queue);
		this.record = record;
		this.failure = failure;
		this.failedAt = System.nanoTime();
		this.failedAtMillis = System.currentTimeMillis();
	}

}
