package io.github.leakedtasks.agent;

import java.util.List;
import java.util.concurrent.Future;
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
	 * about to hand the exception to the thread's uncaught-exception handler. Only where
	 * {@code runWorker}'s calls cannot be replaced (see {@link ExecuteCalls}): a
	 * subclass's {@code afterExecute} that does not call this one hides it.
	 */
	static final class AfterExecute {

		/**
		 * A future's task never throws here: an exception a subclass hands on for one is
		 * the future's, which it read.
		 */
		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.This Object executor, @Advice.Argument(0) Object task,
				@Advice.Argument(1) Throwable failure) {
			if (failure != null && !(task instanceof Future)) {
				FutureHooks.uncaught(task, failure, executor);
			}
		}

	}

	/**
	 * {@code execute(Runnable)}: where a plain task was handed over, kept while a scope
	 * is open or for the first tasks of a type, and in which trace once a source of trace
	 * ids is plugged in, for the report of an uncaught failure or a drop. A future's
	 * creation was seen where it was constructed.
	 */
	static final class Execute {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.Argument(0) Object task) {
			if (FutureHooks.tracing && !(task instanceof Future)) {
				FutureHooks.created(task, task);
			}
		}

	}

	/**
	 * {@code remove(Runnable)} and {@code purge()}: tasks may have left the queue unrun,
	 * which a watched pool's count of what waits must know; said before and after, also
	 * when they throw, so that a sweep between the two hears of it again.
	 */
	static final class QueueEdited {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.This Object executor) {
			FutureHooks.queueEdited(executor, false);
		}

		@Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
		static void exit(@Advice.This Object executor) {
			FutureHooks.queueEdited(executor, true);
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
	 * {@code CallerRunsPolicy.rejectedExecution(Runnable, ThreadPoolExecutor)}: the task
	 * is dropped if the executor is shut down.
	 */
	static final class CallerRuns {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.Argument(0) Object task, @Advice.Argument(1) ThreadPoolExecutor executor) {
			FutureHooks.callerRunsRejected(task, executor);
		}

	}

	/**
	 * {@code DiscardOldestPolicy.rejectedExecution(Runnable, ThreadPoolExecutor)}, whose
	 * JDK body (17 to 25) is {@code if (!e.isShutdown()) { e.getQueue().poll();
	 * e.execute(r); }}: while drops are reported, the advice runs the same calls in the
	 * same order, inlined in the method so that no frame is added (the policy's frame
	 * shows the method's first line), keeps what {@code poll()} returns to report it as
	 * discarded, once {@code execute} returned or threw, and skips the original body. The
	 * task a pool that is shut down rejects is discarded too. Whatever the application's
	 * pool, queue or task throws reaches the caller as it would; the bridge's calls throw
	 * nothing. Nothing is cast that the JDK's body does not cast.
	 */
	static final class DiscardOldest {

		@Advice.OnMethodEnter(skipOn = Advice.OnNonDefaultValue.class)
		static boolean enter(@Advice.Argument(0) Runnable task, @Advice.Argument(1) ThreadPoolExecutor executor) {
			// A null pool is left to the JDK's body: its NullPointerException names the
			// parameter from the class's own variable table.
			if (executor == null || !FutureHooks.reportsDrops()) {
				return false;
			}
			if (!executor.isShutdown()) {
				FutureHooks.queueEdited(executor, false);
				Object oldest;
				try {
					// One expression, as in the JDK: a null queue's exception names the
					// call.
					oldest = executor.getQueue().poll();
				}
				finally {
					FutureHooks.queueEdited(executor, true);
				}
				try {
					executor.execute(task);
				}
				finally {
					FutureHooks.discardedOldest(oldest, executor);
				}
			}
			else {
				FutureHooks.discarded(task, executor);
			}
			return true;
		}

	}

	/**
	 * {@code FutureTask.finishCompletion()}, where every run, failure and cancellation
	 * ends, and the end of {@code CompletableFuture}'s tasks' {@code run()}: a task an
	 * executor let go of ran or was cancelled after all. Marked where the task settles,
	 * not where it starts, so that a run that began before the executor's drop was
	 * watched is seen too. A field read per task until an executor first lets go of one.
	 */
	static final class Left {

		/**
		 * Also when {@code done()}, which a subclass may override, throws.
		 */
		@Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
		static void exit(@Advice.This Object task) {
			if (FutureHooks.letGo) {
				FutureHooks.left(task);
			}
		}

	}

}
