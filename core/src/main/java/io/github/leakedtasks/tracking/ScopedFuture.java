package io.github.leakedtasks.tracking;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;

/**
 * A future a source of the JDK's own futures (the Java agent) saw created while a
 * {@link TaskScope} was current: the scope waits while it has failed and its failure is
 * on its way to the engine. The source's hook runs after the JDK stored the failure, so
 * the future looks done before its failure is watched.
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

	private volatile boolean settled;

	/** When the failure was first seen stored, or 0. */
	private volatile long failedAt;

	ScopedFuture(Object future) {
		super(future);
	}

	/**
	 * Note that the source handled how the future ended: its failure is watched, or it
	 * was no failure to watch.
	 */
	void settled() {
		this.settled = true;
	}

	/**
	 * Whether the future failed and the source has yet to handle its failure, for at most
	 * {@link #MAX_WAIT_NANOS} after it was first seen failed. Reads only what does not
	 * count as retrieval, of the JDK's own futures: {@code isCompletedExceptionally()},
	 * {@code isCancelled()} and, on Java 19 and later, {@code state()}.
	 */
	boolean isDelivering() {
		Object future = get();
		if (future == null || this.settled) {
			return false;
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
