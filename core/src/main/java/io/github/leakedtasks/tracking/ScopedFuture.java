package io.github.leakedtasks.tracking;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.ref.WeakReference;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.TimeUnit;
import java.util.function.ToIntFunction;

/**
 * A future a source of the JDK's own futures (the Java agent) saw created while a
 * {@link TaskScope} was current: the scope waits while the task it was created for is
 * queued or running, as it waits for a wrapper's tasks, and while it has failed and its
 * failure is on its way to the engine. The source's hook runs after the JDK stored the
 * failure, so the future looks done before its failure is watched. A dependent stage that
 * such a future's failure is handed to is waited for while it is pending too, briefly
 * (see {@link #dueStage}); one that also waits for a second input, only once that input
 * is done (see {@link #stageAwaiting}). A scheduled task is waited for only once its
 * delay elapsed, and a periodic one never: neither is due to end with the test.
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

	/** {@code FutureTask}'s state while it stores its outcome. */
	private static final int COMPLETING = 1;

	/** {@code FutureTask}'s state once it stored a failure. */
	private static final int EXCEPTIONAL = 3;

	/** Whether a task completes the future: then it is waited for while it is pending. */
	private final boolean withTask;

	/**
	 * Whether the future is a stage its source handed a failure to: due to complete, it
	 * is waited for while it is pending too, as while its failure is on its way.
	 */
	private final boolean due;

	/**
	 * The second input a due stage also waits for (a stage of both, such as
	 * {@code thenCombine}'s), weakly, or {@code null}: the stage is waited for only once
	 * that input is done.
	 */
	private final WeakReference<Object> second;

	/** Reads a {@code FutureTask}'s state field, or {@code null}. */
	private final ToIntFunction<Object> taskStates;

	private volatile boolean settled;

	/** When the failure was first seen stored (a due stage: first seen at all), or 0. */
	private volatile long failedAt;

	/**
	 * Wait for a future while its failure is on its way.
	 * @param future the future
	 * @param withTask whether a task completes it, so that it is also waited for while it
	 * is pending ({@code FutureTask}, {@code supplyAsync}), not only while its failure is
	 * on its way
	 * @param taskStates reads a {@code FutureTask}'s state field (see
	 * {@link FutureEvents#readFutureTaskStates}), or {@code null}
	 */
	ScopedFuture(Object future, boolean withTask, ToIntFunction<Object> taskStates) {
		this(future, withTask, taskStates, false, null);
	}

	private ScopedFuture(Object future, boolean withTask, ToIntFunction<Object> taskStates, boolean due,
			Object second) {
		super(future);
		this.withTask = withTask;
		this.taskStates = taskStates;
		this.due = due;
		this.second = (second != null) ? new WeakReference<>(second) : null;
	}

	/**
	 * Wait for a dependent stage that a failed future of the scope hands its failure to:
	 * the stage completes right after, or runs its handler (on an executor of its own,
	 * for an async stage), and its failure is then on its way to the engine. Waited for
	 * while it is pending or its failure is on its way, for at most
	 * {@link #MAX_WAIT_NANOS} in all: a handler may run for longer, and an async stage's
	 * executor may drop it.
	 * @param stage the dependent stage
	 * @return the future to wait for
	 */
	static ScopedFuture dueStage(Object stage) {
		return new ScopedFuture(stage, false, null, true, null);
	}

	/**
	 * Wait for a dependent stage that a failed future of the scope hands its failure to,
	 * and that also waits for a second input still pending ({@code thenCombine},
	 * {@code runAfterBoth}, the parts of {@code allOf}): not while that input is pending,
	 * which it may stay for good; once it is done, as a {@link #dueStage}, its clock
	 * started then.
	 * @param stage the dependent stage
	 * @param second the second input
	 * @return the future to wait for
	 */
	static ScopedFuture stageAwaiting(Object stage, Object second) {
		return new ScopedFuture(stage, false, null, true, second);
	}

	/**
	 * Note that the source handled how the future ended: its failure is watched, or it
	 * was no failure to watch.
	 */
	void settled() {
		this.settled = true;
	}

	/**
	 * Return why the scope waits for the future, if it does: its task is queued or
	 * running, or the future failed and the source has yet to handle its failure (or, for
	 * a {@link #dueStage}, it is pending), for at most {@link #MAX_WAIT_NANOS} after it
	 * was first seen so. Reads only what does not count as retrieval, of the JDK's own
	 * futures: {@code isDone()}, {@code isCompletedExceptionally()},
	 * {@code isCancelled()}, a scheduled task's {@code isPeriodic()} and
	 * {@code getDelay()}, a {@code FutureTask}'s state and, on Java 19 and later,
	 * {@code state()}.
	 * @return why it is waited for, or {@code null} if it is not
	 */
	Wait waiting() {
		Object future = get();
		if (future == null || this.settled) {
			return null;
		}
		Ending ending = ending(future);
		if (ending == Ending.PENDING && !this.due) {
			return (this.withTask && isDue(future)) ? Wait.RUNNING : null;
		}
		if (ending == Ending.PENDING && secondPending()) {
			return null;
		}
		if (ending != Ending.FAILED && ending != Ending.PENDING) {
			return null;
		}
		long now = System.nanoTime();
		long since = this.failedAt;
		if (since == 0) {
			this.failedAt = now;
			return Wait.DELIVERING;
		}
		return (now - since < MAX_WAIT_NANOS) ? Wait.DELIVERING : null;
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
		// Not waiting(): a prune must not start the wait's clock.
		Ending ending = ending(future);
		// An application's class is not called: held until collected.
		return ending == Ending.ENDED || (ending == Ending.UNKNOWN && isJdks(future));
	}

	/**
	 * How a future of the JDK's own ended, read without retrieving it. A
	 * {@code FutureTask} that is storing its outcome (done already, on Java 17, to
	 * {@code isDone()}) is still pending when its state can be read.
	 */
	private Ending ending(Object future) {
		try {
			if (!isJdks(future)) {
				// An application's class is not called.
				return Ending.UNKNOWN;
			}
			if (future instanceof FutureTask<?> && this.taskStates != null) {
				int state = this.taskStates.applyAsInt(future);
				if (state >= 0) {
					return (state <= COMPLETING) ? Ending.PENDING
							: (state == EXCEPTIONAL) ? Ending.FAILED : Ending.ENDED;
				}
			}
			if (!((Future<?>) future).isDone()) {
				return Ending.PENDING;
			}
			if (future instanceof CompletableFuture<?> completable) {
				return (completable.isCompletedExceptionally() && !completable.isCancelled()) ? Ending.FAILED
						: Ending.ENDED;
			}
			// Java 17 without the source's reading: a FutureTask's failure is not told.
			return (STATE != null && STATE.invoke(future) == FAILED) ? Ending.FAILED : Ending.ENDED;
		}
		catch (Throwable ex) {
			return Ending.UNKNOWN;
		}
	}

	/**
	 * Whether the second input of a stage of both (or the source of a stage the
	 * application made, see {@link FutureEvents#stageMade}) is pending, read only from
	 * the JDK's own class (an application's subclass is not called: taken as done); one
	 * that was collected completes nothing, and counts as pending.
	 */
	private boolean secondPending() {
		if (this.second == null) {
			return false;
		}
		Object input = this.second.get();
		try {
			// Collected, it completes nothing: the stage stays pending.
			return input == null || (isJdks(input) && !((Future<?>) input).isDone());
		}
		catch (Throwable ex) {
			return false;
		}
	}

	/**
	 * Whether a pending future's task is due: a scheduled task once its delay elapsed, a
	 * periodic one never.
	 */
	private static boolean isDue(Object future) {
		try {
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

	/**
	 * Whether a future is of the JDK's own classes, whose methods that do not count as
	 * retrieval the scope may call.
	 */
	private static boolean isJdks(Object future) {
		return future instanceof Future<?> && future.getClass().getClassLoader() == null;
	}

	/**
	 * Why a future is waited for.
	 */
	enum Wait {

		/** Its task is queued or running. */
		RUNNING,

		/**
		 * It failed, and its failure is on its way to the engine; or, a stage its source
		 * handed a failure to, it is about to complete.
		 */
		DELIVERING

	}

	private enum Ending {

		PENDING, FAILED, ENDED, UNKNOWN

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
