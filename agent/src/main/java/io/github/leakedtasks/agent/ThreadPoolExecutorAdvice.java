package io.github.leakedtasks.agent;

import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into {@code java.util.concurrent.ThreadPoolExecutor}, so that a failure
 * on one of its threads is reported under the executor's name. It runs once per worker
 * thread, never per task.
 *
 * @since 0.1.0
 */
final class ThreadPoolExecutorAdvice {

	private ThreadPoolExecutorAdvice() {
	}

	/**
	 * {@code runWorker(Worker)}: the loop of a worker thread.
	 */
	static final class RunWorker {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.This Object executor) {
			FutureHooks.workerStarted(executor);
		}

		@Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
		static void exit() {
			FutureHooks.workerStopped();
		}

	}

}
