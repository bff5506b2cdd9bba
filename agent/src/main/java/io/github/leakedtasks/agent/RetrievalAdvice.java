package io.github.leakedtasks.agent;

import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import net.bytebuddy.asm.Advice;

/**
 * Advice on the methods of {@code CompletableFuture} and {@code FutureTask} that hand a
 * failure to their caller. Exit advice only, so that a success costs a branch.
 *
 * @since 0.1.0
 */
final class RetrievalAdvice {

	private RetrievalAdvice() {
	}

	/**
	 * {@code CompletableFuture}'s {@code get}, {@code join}, {@code getNow},
	 * {@code resultNow}: a failure is retrieved when they throw because of it. (The JDK's
	 * {@code invokeAll} reads only futures it made, never a {@code CompletableFuture}.)
	 */
	static final class CompletableFutureThrown {

		@Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
		static void exit(@Advice.This Object future, @Advice.Thrown Throwable thrown,
				@Advice.FieldValue("result") Object result) {
			if (thrown != null) {
				FutureHooks.thrownToCaller(future, result, thrown);
			}
		}

	}

	/**
	 * {@code FutureTask}'s {@code get}: a failure is retrieved when it throws with the
	 * task in its {@code EXCEPTIONAL} state, unless {@code invokeAll} called it.
	 */
	static final class FutureTaskGetThrown {

		@Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
		static void exit(@Advice.This Object future, @Advice.Thrown Throwable thrown,
				@Advice.FieldValue("state") int state) {
			if (thrown != null && state == FutureTaskThrown.EXCEPTIONAL) {
				FutureHooks.thrownToCaller(future, thrown);
			}
		}

	}

	/**
	 * {@code FutureTask}'s {@code resultNow}: a failure is retrieved when it throws with
	 * the task in its {@code EXCEPTIONAL} state.
	 */
	static final class FutureTaskThrown {

		/** {@code FutureTask.EXCEPTIONAL}, the same from JDK 7 to 25. */
		static final int EXCEPTIONAL = 3;

		@Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
		static void exit(@Advice.This Object future, @Advice.Thrown Throwable thrown,
				@Advice.FieldValue("state") int state) {
			if (thrown != null && state == EXCEPTIONAL) {
				FutureHooks.handedOn(future);
			}
		}

	}

	/**
	 * {@code exceptionNow}: a failure is retrieved when it returns.
	 */
	static final class Returned {

		@Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
		static void exit(@Advice.This Object future, @Advice.Thrown Throwable thrown) {
			if (thrown == null) {
				FutureHooks.received(future);
			}
		}

	}

}
