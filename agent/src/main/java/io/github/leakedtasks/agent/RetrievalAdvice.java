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
	 * {@code get}, {@code join}, {@code getNow}, {@code resultNow}: a failure is
	 * retrieved when they throw, whatever else they throw for.
	 */
	static final class Thrown {

		@Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
		static void exit(@Advice.This Object future, @Advice.Thrown Throwable thrown) {
			if (thrown != null) {
				FutureHooks.retrieved(future);
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
				FutureHooks.retrieved(future);
			}
		}

	}

}
