package io.github.leakedtasks.agent;

import java.util.List;
import java.util.concurrent.ThreadPoolExecutor;

import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into {@code java.util.concurrent.ThreadPoolExecutor} and its rejection
 * policies: which executor a worker thread works for (once per worker thread, never per
 * task), and which tasks an executor lets go of unrun.
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

	/**
	 * {@code afterExecute(Runnable, Throwable)}: a plain task threw, and its worker is
	 * about to hand the exception to the thread's uncaught-exception handler. A
	 * subclass's {@code afterExecute} that does not call this one hides it.
	 */
	static final class AfterExecute {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.This Object executor, @Advice.Argument(0) Object task,
				@Advice.Argument(1) Throwable failure) {
			if (failure != null) {
				FutureHooks.uncaught(task, failure, executor);
			}
		}

	}

	/**
	 * {@code shutdownNow()}: the tasks it hands back were never run.
	 */
	static final class ShutdownNow {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This Object executor, @Advice.Return List<?> tasks) {
			FutureHooks.handedBack(tasks, executor);
		}

	}

	/**
	 * {@code DiscardPolicy.rejectedExecution(Runnable, ThreadPoolExecutor)}: the task is
	 * discarded.
	 */
	static final class Discard {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.Argument(0) Object task, @Advice.Argument(1) Object executor) {
			FutureHooks.discarded(task, executor);
		}

	}

	/**
	 * {@code DiscardOldestPolicy.rejectedExecution(Runnable, ThreadPoolExecutor)}: the
	 * head of the queue is about to be discarded.
	 */
	static final class DiscardOldest {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.Argument(1) ThreadPoolExecutor executor) {
			FutureHooks.discardingOldest(executor);
		}

	}

	/**
	 * {@code FutureTask.run()} and {@code cancel(boolean)}, and the {@code run()} of
	 * {@code CompletableFuture}'s tasks: a task an executor let go of is run or cancelled
	 * after all. A field read on every run until an executor first lets go of a task.
	 */
	static final class Left {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.This Object task) {
			if (FutureHooks.letGo) {
				FutureHooks.left(task);
			}
		}

	}

}
