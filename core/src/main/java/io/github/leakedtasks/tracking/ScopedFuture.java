package io.github.leakedtasks.tracking;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.TimeUnit;

/**
 * A future a source of the JDK's own futures (the Java agent) saw created while a
 * {@link TaskScope} was current: the scope waits while the task it was created for is
 * queued or running, as it waits for a wrapper's tasks, and while it has failed and its
 * failure is on its way to the engine. The source's hook runs after the JDK stored the
 * failure, so the future looks done before its failure is watched. A scheduled task is
 * waited for only once its delay elapsed, and a periodic one never: neither is due to end
 * with the test.
 *
 * @since 0.1.0
 */
final class ScopedFuture extends WeakReference<Object> {

	/** {@code Future.state()}, on Java 19 and later. */
	private static final MethodHandle STATE = state();

	private static final Object FAILED = failedState();

	/**
	 * How long a failure is waited for at most: the source's hook runs right after the
	 * JDK stored it; one that never does (a hook missing on this JDK) must not hold every
	 * test for the scope's whole timeout.
	 */
	static final long MAX_WAIT_NANOS = 2_000_000_000L;

	/** Whether a task completes the future: then it is waited for while it is pending. */
	private final boolean withTask;

	private volatile boolean settled;

	/** When the failure was first seen stored, or 0. */
	private volatile long failedAt;

	/**
	 * Wait for a future while its failure is on its way.
	 * @param future the future
	 * @param withTask whether a task completes it, so that it is also waited for while it
	 * is pending ({@code FutureTask}, {@code supplyAsync}), not only while its failure is
	 * on its way
	 */
	ScopedFuture(Object future, boolean withTask) {
		super(future);
		this.withTask = withTask;
	}

	/**
	 * Note that the source handled how the future ended: its failure is watched, or it
	 * was no failure to watch.
	 */
	void settled() {
		this.settled = true;
	}

	/**
	 * Whether the future's task is queued or running, or the future failed and the source
	 * has yet to handle its failure, for at most {@link #MAX_WAIT_NANOS} after it was
	 * first seen failed. Reads only what does not count as retrieval, of the JDK's own
	 * futures: {@code isDone()}, {@code isCompletedExceptionally()},
	 * {@code isCancelled()}, a scheduled task's {@code isPeriodic()} and
	 * {@code getDelay()} and, on Java 19 and later, {@code state()}.
	 */
	boolean isDelivering() {
		Object future = get();
		if (future == null || this.settled) {
			return false;
		}
		if (this.withTask && isRunningOrDue(future)) {
			return true;
		}
		if (!hasFailed(future)) {
			return false;
		}
		long now = System.nanoTime();
		long since = this.failedAt;
		if (since == 0) {
			this.failedAt = now;
			return true;
		}
		return now - since < MAX_WAIT_NANOS;
	}

	/**
	 * Whether a future of the JDK's own is pending and its task due to run or running: a
	 * scheduled task once its delay elapsed, a periodic one never.
	 */
	private static boolean isRunningOrDue(Object future) {
		try {
			if (!isJdks(future) || ((Future<?>) future).isDone()) {
				return false;
			}
			if (future instanceof RunnableScheduledFuture<?> scheduled) {
				return !scheduled.isPeriodic() && scheduled.getDelay(TimeUnit.NANOSECONDS) <= 0;
			}
			return true;
		}
		catch (Throwable ex) {
			// Not waited for.
			return false;
		}
	}

	private static boolean hasFailed(Object future) {
		try {
			if (!isJdks(future)) {
				// An application's class is not called.
				return false;
			}
			if (future instanceof CompletableFuture<?> completable) {
				return completable.isCompletedExceptionally() && !completable.isCancelled();
			}
			return STATE != null && STATE.invoke(future) == FAILED;
		}
		catch (Throwable ex) {
			// Not waited for.
			return false;
		}
	}

	/**
	 * Whether a future is of the JDK's own classes, whose methods that do not count as
	 * retrieval the scope may call.
	 */
	private static boolean isJdks(Object future) {
		return future instanceof Future<?> && future.getClass().getClassLoader() == null;
	}

	/**
	 * Whether the scope may let go of this future: it was collected or settled, or it
	 * ended without a failure to deliver.
	 */
	boolean isOver() {
		Object future = get();
		if (future == null || this.settled) {
			return true;
		}
		if (!isJdks(future)) {
			// An application's class is not called: held until collected.
			return false;
		}
		try {
			// Not isDelivering(): a prune must not start the wait's clock.
			return ((Future<?>) future).isDone() && !hasFailed(future);
		}
		catch (Throwable ex) {
			return true;
		}
	}

	private static MethodHandle state() {
		try {
			return MethodHandles.publicLookup().findVirtual(Future.class, "state", MethodType.methodType(stateType()));
		}
		catch (ReflectiveOperationException | RuntimeException | LinkageError ex) {
			return null;
		}
	}

	@SuppressWarnings({ "unchecked", "rawtypes" })
	private static Object failedState() {
		try {
			return Enum.valueOf((Class) stateType(), "FAILED");
		}
		catch (ReflectiveOperationException | RuntimeException | LinkageError ex) {
			// Java 17: FutureTask's failures are not waited for.
			return null;
		}
	}

	private static Class<?> stateType() throws ClassNotFoundException {
		return Class.forName("java.util.concurrent.Future$State");
	}

}
