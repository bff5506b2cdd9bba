package io.github.leakedtasks.agent;

import java.util.List;

import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into {@code java.util.concurrent.FutureTask}, which its subclasses
 * ({@code ScheduledFutureTask}, JDK 25's {@code ThreadBoundFuture}) inherit.
 *
 * @since 0.1.0
 */
final class FutureTaskAdvice {

	private FutureTaskAdvice() {
	}

	/**
	 * {@code setException(Throwable)}: counted only when the exception is the task's
	 * outcome, not when the task was cancelled first.
	 */
	static final class SetException {

		/**
		 * Read the callable before the future lets go of it, to name the task.
		 */
		@Advice.OnMethodEnter(suppress = Throwable.class)
		static Object enter(@Advice.FieldValue("callable") Object callable) {
			return callable;
		}

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This Object task, @Advice.Argument(0) Throwable failure,
				@Advice.FieldValue("outcome") Object outcome, @Advice.Enter Object callable) {
			if (outcome == failure && failure != null) {
				FutureHooks.failed(task, failure, callable);
			}
		}

	}

	/**
	 * {@code AbstractExecutorService.cancelAll(ArrayList)}, which {@code invokeAny} calls
	 * as it returns or throws and {@code invokeAll} when it throws (JDK 17 to 25): the
	 * list is never the caller's, and the failures of its futures were handed to the
	 * method, which by contract keeps one at most ({@code invokeAny} throws the last it
	 * read) and cancels the futures not yet complete. Not the timed {@code invokeAll}
	 * that ran out of time, which hands its list to the caller.
	 */
	static final class InvokedTogether {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.Argument(0) List<?> futures) {
			FutureHooks.invokedTogether(futures);
		}

	}

	/**
	 * {@code ThreadPerTaskExecutor.cancelAll(List, int)}, which its {@code invokeAll}
	 * calls as it returns or throws (JDK 21 to 25) to cancel the futures from the index
	 * it had come to: the list is remembered until {@code invokeAll} ends (its loop moves
	 * the index, so it is read on entry).
	 */
	static final class LeftByInvokeAll {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.Argument(0) List<?> futures, @Advice.Argument(1) int from) {
			FutureHooks.leftByInvokeAll(futures, from);
		}

	}

	/**
	 * {@code ThreadPerTaskExecutor.invokeAll}: if it threw, the caller never gets the
	 * futures, some maybe failed and not read; if it returned (the timed one that ran out
	 * of time included), they are the caller's.
	 */
	static final class InvokeAllEnded {

		@Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
		static void exit(@Advice.Thrown Throwable thrown) {
			FutureHooks.invokeAllEnded(thrown);
		}

	}

	/**
	 * The constructors: where a task is created.
	 */
	static final class Constructed {

		@Advice.OnMethodExit(backupArguments = false)
		static void exit(@Advice.This Object future, @Advice.Argument(0) Object task) {
			// One call, which catches everything: see FutureHooks.constructed.
			FutureHooks.constructed(future, task);
		}

	}

}
