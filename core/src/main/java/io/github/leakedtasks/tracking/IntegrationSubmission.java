package io.github.leakedtasks.tracking;

import java.util.concurrent.atomic.AtomicInteger;

/**
 * Marks the current thread while an integration hands a task it already tracks, such as
 * an {@code @Async} call, to an executor: a tracked executor then stands aside, so that
 * the task is not tracked twice.
 *
 * @since 0.1.0
 */
public final class IntegrationSubmission {

	private static final ThreadLocal<Boolean> SUBMITTING = new ThreadLocal<>();

	/**
	 * How many calls of {@link #run} are in progress: while none is, {@link #isActive}
	 * reads this field, not the thread-local, whose look-up every submission to a tracked
	 * executor would otherwise pay. A thread always sees its own count.
	 */
	private static final AtomicInteger ACTIVE = new AtomicInteger();

	private IntegrationSubmission() {
	}

	/**
	 * Whether the current thread is handing over a task its integration tracks.
	 * @return whether tracked executors stand aside
	 */
	public static boolean isActive() {
		return ACTIVE.get() != 0 && SUBMITTING.get() != null;
	}

	/**
	 * Run a submission of a task the integration tracks.
	 * @param submission the submission
	 * @return what the submission returned
	 * @throws Throwable what the submission threw
	 */
	public static Object run(TrackedTask.Invocation submission) throws Throwable {
		ACTIVE.incrementAndGet();
		try {
			return with(Boolean.TRUE, submission);
		}
		finally {
			ACTIVE.decrementAndGet();
		}
	}

	/**
	 * Run code outside any submission: an executor such as {@code SyncTaskExecutor} runs
	 * the task on the submitting thread, where the tasks it submits in turn are tracked.
	 * @param invocation the code
	 * @return what the code returned
	 * @throws Throwable what the code threw
	 */
	public static Object outside(TrackedTask.Invocation invocation) throws Throwable {
		return with(null, invocation);
	}

	private static Object with(Boolean marker, TrackedTask.Invocation invocation) throws Throwable {
		Boolean previous = SUBMITTING.get();
		set(marker);
		try {
			return invocation.proceed();
		}
		finally {
			set(previous);
		}
	}

	private static void set(Boolean marker) {
		if (marker != null) {
			SUBMITTING.set(marker);
		}
		else {
			SUBMITTING.remove();
		}
	}

}
