package io.github.leakedtasks.agent.bootstrap;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.invoke.VarHandle;
import java.lang.ref.WeakReference;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ForkJoinWorkerThread;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeoutException;

/**
 * What the advice inlined into {@code CompletableFuture} and {@code FutureTask} calls: on
 * the boot class path, so that JDK code can see it, and free of dependencies. The checks
 * on a success path compare a class and read a field, allocate nothing and look nothing
 * up.
 * <p>
 * Loaded and initialized only once {@code java.util.concurrent} is opened to it; never
 * uses {@code CompletableFuture}, lambdas or string concatenation, which would call back
 * into the hooks or need bootstrap methods.
 *
 * @since 0.1.0
 */
public final class FutureHooks {

	/**
	 * {@code CompletableFuture}'s internals its hooks read; any of them {@code null} on a
	 * JDK that lays them out differently, where its hooks are not installed (see
	 * {@link #readsCompletableFutures()}) and the other types' still are.
	 */
	private static final Class<?> ALT_RESULT = optionalType("java.util.concurrent.CompletableFuture$AltResult");

	private static final Class<?> CANCELLER = optionalType("java.util.concurrent.CompletableFuture$Canceller");

	private static final ClassLoader PLATFORM = ClassLoader.getPlatformClassLoader();

	private static final Class<?> UNI_COMPLETION = optionalType("java.util.concurrent.CompletableFuture$UniCompletion");

	private static final VarHandle UNI_SOURCE = (UNI_COMPLETION != null)
			? optionalField(UNI_COMPLETION, "src", CompletableFuture.class) : null;

	private static final VarHandle RESULT = optionalField(CompletableFuture.class, "result", Object.class);

	private static final VarHandle EX = (ALT_RESULT != null) ? optionalField(ALT_RESULT, "ex", Throwable.class) : null;

	/**
	 * The pool of a {@code ForkJoinWorkerThread}, read without calling its overridable
	 * {@code getPool()}; {@code null} if this JDK lays it out differently.
	 */
	private static final VarHandle POOL = optionalField(ForkJoinWorkerThread.class, "pool", ForkJoinPool.class);

	/**
	 * The state of a {@code FutureTask}, read without calling its methods, which a
	 * subclass may override and of which only {@code state()} (JDK 19+) tells a failure
	 * apart; {@code null} if this JDK lays it out differently.
	 */
	private static final VarHandle TASK_STATE = optionalField(FutureTask.class, "state", int.class);

	/** {@code FutureTask.COMPLETING}, JDK 17 to 25. */
	private static final int TASK_COMPLETING = 1;

	/** {@code FutureTask.EXCEPTIONAL}, JDK 17 to 25. */
	private static final int TASK_EXCEPTIONAL = 3;

	private static final String FUTURE = "java.util.concurrent.CompletableFuture";

	private static final String MINIMAL_STAGE = FUTURE + "$MinimalStage";

	private static final String FUTURE_TASK = "java.util.concurrent.FutureTask";

	/**
	 * Destroys Spring's thread pool executors and schedulers: see {@link #handedBack}.
	 */
	private static final String SPRING_EXECUTOR_SUPPORT = "org.springframework.scheduling.concurrent.ExecutorConfigurationSupport";

	/**
	 * The run state and the queue of a {@code ThreadPoolExecutor}, read without calling
	 * its overridable {@code isShutdown()} and {@code getQueue()}.
	 */
	private static final VarHandle CTL = optionalField(ThreadPoolExecutor.class, "ctl", AtomicInteger.class);

	private static final VarHandle WORK_QUEUE = optionalField(ThreadPoolExecutor.class, "workQueue",
			BlockingQueue.class);

	private static final VarHandle HANDLER = optionalField(ThreadPoolExecutor.class, "handler",
			RejectedExecutionHandler.class);

	/**
	 * {@code ThreadPoolExecutor}'s own {@code beforeExecute} and {@code afterExecute},
	 * called virtually, so a subclass's run as before; {@code null} if this JDK declares
	 * them differently, and then {@code runWorker}'s calls are left alone.
	 */
	private static final MethodHandle BEFORE_EXECUTE = optionalVirtual(ThreadPoolExecutor.class, "beforeExecute",
			Thread.class, Runnable.class);

	private static final MethodHandle AFTER_EXECUTE = optionalVirtual(ThreadPoolExecutor.class, "afterExecute",
			Runnable.class, Throwable.class);

	/**
	 * The slot of each worker thread of a {@code ThreadPoolExecutor}, made once when the
	 * worker starts, never per task.
	 */
	private static final ThreadLocal<WorkerSlot> worksFor = new ThreadLocal<>();

	/**
	 * What {@code afterExecute} threw after a task ran without failing, until
	 * {@code runWorker} hands it to {@code afterExecute} again.
	 */
	private static final ThreadLocal<Throwable> afterExecuteThrew = new ThreadLocal<>();

	/**
	 * The futures of a {@code ThreadPerTaskExecutor}'s {@code invokeAll} that did not
	 * wait for them all, between its {@code cancelAll} and its end.
	 */
	private static final ThreadLocal<List<?>> leftByInvokeAll = new ThreadLocal<>();

	/**
	 * The {@code whenComplete} stage whose action this thread runs with the failure of
	 * the stage's source, which the stage fails with once the action returned.
	 */
	private static final ThreadLocal<Object> actionSeesFailureOf = new ThreadLocal<>();

	/**
	 * The future of {@code supplyAsync} or {@code runAsync} whose function just threw on
	 * this thread, with that function, from the task's handler of what it threw until the
	 * future's {@code completeThrowable} returned: the failure of a task past its type's
	 * traced ones is named after the function, as a traced one is.
	 */
	private static final ThreadLocal<Object[]> asyncTaskThrew = new ThreadLocal<>();

	/**
	 * Whether the function an async task hands over is let go of again: the hook of
	 * {@code completeThrowable(Throwable)} was installed.
	 */
	private static volatile boolean namesAsyncTasks;

	/** Returned by {@link #actionSees} when no stage was marked before. */
	private static final Object NO_STAGE = new Object();

	/**
	 * Whether any executor is watched for overdue tasks: until then, a task's start and
	 * end cost one read of this field.
	 */
	public static volatile boolean watching;

	/** Changes whenever an executor is watched, so that workers ask again. */
	private static volatile int generation;

	private static volatile FutureSink sink;

	/** Whether the creation of futures is reported to the sink. */
	public static volatile boolean tracing;

	/**
	 * Whether a {@code CompletableFuture} made with {@code new} or born failed is
	 * reported to the sink: with creation traces {@code always}, and once a test's scope
	 * was opened. Every construction of the class costs one read of this field.
	 */
	public static volatile boolean tracingMade;

	/**
	 * Whether the next future made on the current thread is one a method of
	 * {@code CompletableFuture} makes of its own (see {@link #nextIsOwn}): {@link #OWN},
	 * the future a stage is about to be made on (see {@link #nextIsStageOf}), or
	 * {@code null}. A named class, not a lambda: this class is on the boot class path.
	 */
	private static final ThreadLocal<Object[]> NEXT_IS_OWN = new NextIsOwn();

	/** The next future made on the thread is the JDK's own, and no stage. */
	private static final Object OWN = new Object();

	/** See {@link #invokeAllHooked(int)}. */
	public static final int ABSTRACT_INVOKE_ALL = 1;

	/** See {@link #invokeAllHooked(int)}. */
	public static final int PER_TASK_INVOKE_ALL = 2;

	private static volatile int invokeAllHooked;

	/**
	 * Whether a task an executor let go of is watched, so that running or cancelling a
	 * task is reported to the sink; false until an executor first lets go of one.
	 */
	public static volatile boolean letGo;

	/**
	 * The latest pool class asked about, weakly (an application's class, whose loader
	 * this class on the boot class path would keep), and whether it overrides
	 * {@code getQueue()}.
	 */
	private static volatile Object[] lastGetQueue = { new WeakReference<>(null), false };

	private FutureHooks() {
	}

	/**
	 * Plug the engine in.
	 * @param newSink the sink, or {@code null} to see nothing
	 * @param traceCreation whether creations are reported
	 */
	public static void install(FutureSink newSink, boolean traceCreation) {
		tracing = traceCreation;
		sink = newSink;
	}

	/**
	 * A future failed.
	 * @param future the {@code CompletableFuture} or {@code FutureTask}
	 * @param failure its failure
	 */
	public static void failed(Object future, Throwable failure) {
		failed(future, failure, null);
	}

	/**
	 * The function of {@code supplyAsync} or {@code runAsync} threw: called from the
	 * handler of its task ({@code AsyncSupply.run}, {@code AsyncRun.run}), before the
	 * task fails the future with what it threw. Nothing runs on a task that succeeds.
	 * @param future the future the task is about to fail
	 * @param function the function that threw
	 */
	public static void asyncTaskThrew(Object future, Object function) {
		if (namesAsyncTasks && sink != null) {
			try {
				asyncTaskThrew.set(new Object[] { future, function });
			}
			catch (Throwable ex) {
				// Never into the JDK's code: the failure is named after its future.
			}
		}
	}

	/**
	 * Have the functions of async tasks that threw handed over (see
	 * {@link #asyncTaskThrew}): only once the hook that lets go of them is installed.
	 * @param names whether they are
	 */
	public static void namesAsyncTasks(boolean names) {
		namesAsyncTasks = names;
	}

	/**
	 * Return the function of {@code supplyAsync} or {@code runAsync} whose throw fails a
	 * future on this thread now (see {@link #asyncTaskThrew}), or {@code null}.
	 * @param future the future
	 * @return the function, or {@code null}
	 */
	public static Object asyncTaskThatFailed(Object future) {
		Object[] threw = asyncTaskThrew.get();
		return (threw != null && threw[0] == future) ? threw[1] : null;
	}

	/**
	 * {@code completeThrowable(Throwable)} returned, having failed the future or not (it
	 * was completed otherwise first): the function that threw is let go of.
	 */
	public static void asyncTaskFailureNoted() {
		try {
			if (asyncTaskThrew.get() != null) {
				asyncTaskThrew.remove();
			}
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * A future that ran a task failed.
	 * @param future the future
	 * @param failure its failure
	 * @param task what it ran, or {@code null} if not known
	 */
	public static void failed(Object future, Throwable failure, Object task) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.failed(future, failure, task);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * A {@code CompletableFuture} was completed with a raw result.
	 * @param future the future
	 * @param result its raw result, a failure if it is an {@code AltResult} holding one
	 */
	public static void completed(Object future, Object result) {
		Throwable failure = failureOf(result);
		if (failure != null) {
			failed(future, failure);
		}
	}

	/**
	 * A {@code CompletableFuture} was completed explicitly with a raw result
	 * ({@code completeExceptionally}, {@code obtrudeException}, {@code cancel}), maybe by
	 * the JDK's own code, or created complete ({@code completedFuture},
	 * {@code failedFuture}), maybe by a class initializer.
	 * @param future the future
	 * @param result its raw result, a failure if it is an {@code AltResult} holding one
	 */
	public static void completedExplicitly(Object future, Object result) {
		Throwable failure = failureOf(result);
		if (failure != null) {
			// Apart, so that what a success runs stays small enough to inline.
			failedExplicitly(future, failure);
		}
	}

	/**
	 * {@code obtrudeException}, before it writes the failure: a failure put over another
	 * is a failure of its own, registered before a reader can see it.
	 * @param future the future
	 * @param failure the failure it will hold
	 * @param result what it holds
	 */
	public static void obtruding(Object future, Throwable failure, Object result) {
		FutureSink current = sink;
		if (current != null && failure != null) {
			try {
				current.obtruding(future, failure, failureOf(result));
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	private static void failedExplicitly(Object future, Throwable failure) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.failedExplicitly(future, failure);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * {@code completeThrowable(Throwable, Object)}: a {@code CompletableFuture} was
	 * handed the failure of the future it depends on, or, if the source's result does not
	 * hold that failure, failed with what its {@code whenComplete} action threw (or the
	 * rejection of its async action). A {@code whenComplete} stage handed the failure its
	 * action was handed (see {@link #actionSees}) has it delivered already.
	 * @param future the future
	 * @param failure its failure
	 * @param source the raw result of the source
	 */
	public static void failureHandedOn(Object future, Throwable failure, Object source) {
		boolean handedOn;
		try {
			Throwable handed = failureOf(source);
			// The cause is read only from the JDK's wrapper, never from an application's
			// exception, whose getCause() may be its own code.
			handedOn = handed != null
					&& (handed == failure || (failure instanceof CompletionException && failure.getCause() == handed));
		}
		catch (Throwable ex) {
			// A subclass's getCause() that throws: watched, as any failure.
			handedOn = false;
		}
		if (!handedOn) {
			failed(future, failure);
		}
		else if (actionSeesFailureOf.get() == future) {
			failureSeen(future, failure);
			// The action received it.
			received(future);
		}
		else if (actionSeesFailureOf.get() instanceof Object[] seenByTheJdk && seenByTheJdk[0] == future) {
			// The stage of an action of the JDK's own code (the canceller that orTimeout
			// attaches), which received nothing of the application's.
			failureSeen(future, failure);
		}
		else {
			failureHandedOn(future, failure);
		}
	}

	private static void failureSeen(Object future, Throwable failure) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.failureSeen(future, failure);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * A {@code CompletableFuture} was handed the failure of the future it depends on
	 * ({@code completeThrowable(Throwable, Object)}, {@code completeRelay}), rather than
	 * failing with what its own function threw.
	 * @param future the future
	 * @param failure the failure handed on
	 */
	public static void failureHandedOn(Object future, Throwable failure) {
		FutureSink current = sink;
		if (current != null && failure != null) {
			try {
				current.failureHandedOn(future, failure);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * Whether {@code completeRelay} is about to relay a failure to a future with a
	 * dependent or a waiter on its stack (read before the future completes).
	 * @param relayed the raw result to relay
	 * @param stack the head of the future's stack, not {@code null}
	 * @return whether it relays a failure to a future with a dependent
	 */
	public static boolean relayingToDependent(Object relayed, Object stack) {
		return failureOf(relayed) != null && hasDependent(stack);
	}

	private static boolean hasDependent(Object stack) {
		FutureSink current = sink;
		try {
			return current != null && current.hasDependent(stack);
		}
		catch (Throwable ex) {
			// Looked at after the completion, as any failure.
			return false;
		}
	}

	/**
	 * A {@code CompletableFuture} was completed with a raw result handed on from another
	 * ({@code completeRelay}).
	 * @param future the future
	 * @param result its raw result, a failure if it is an {@code AltResult} holding one
	 * @param toDependent whether a dependent or a waiter was on its stack before it
	 * completed
	 */
	public static void relayed(Object future, Object result, boolean toDependent) {
		Throwable failure = failureOf(result);
		if (failure != null) {
			failureRelayed(future, failure, toDependent);
		}
	}

	private static void failureRelayed(Object future, Throwable failure, boolean toDependent) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.failureRelayed(future, failure, toDependent);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * A {@code CompletableFuture} may have been completed by a direct write of its
	 * {@code result}.
	 * @param future the future, ignored unless it is a {@code CompletableFuture}
	 */
	public static void completed(Object future) {
		if (future instanceof CompletableFuture) {
			completed(future, resultOf(future));
		}
	}

	/**
	 * A dependent stage was created on a {@code CompletableFuture} ({@code thenApply} and
	 * the others): a failed source hands its failure on to it, and the dependent may have
	 * been failed at once by a direct write of its result. Small enough for the compiler
	 * to inline wherever the advice calls it (under {@code MaxInlineSize}), so that a
	 * stage that succeeds stays scalar-replaceable and the JDK's stage method grows by a
	 * call only: the work is done apart, for failures.
	 * @param source the future the dependent depends on
	 * @param dependent the dependent, or {@code null}
	 */
	public static void stageMade(CompletableFuture<?> source, CompletableFuture<?> dependent) {
		try {
			if (isFailed(source) || (dependent != null && isFailed(dependent))) {
				stageFailed(source, dependent, null);
			}
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * As {@link #stageMade}, for a dependent that carries a failure on without calling
	 * its function ({@code thenApply}, {@code thenAccept}, {@code thenRun},
	 * {@code thenCompose}, their async forms): made on a future that had failed, it is
	 * failed at once with that failure, which is a named library's if the future's
	 * failure was noted as the library's and the function is the library's code, as it
	 * would be had the stage been pending when the future failed.
	 * @param source the future the dependent depends on
	 * @param dependent the dependent, or {@code null}
	 * @param function the dependent's function
	 */
	public static void carrierMade(CompletableFuture<?> source, CompletableFuture<?> dependent, Object function) {
		try {
			if (isFailed(source) || (dependent != null && isFailed(dependent))) {
				stageFailed(source, dependent, function);
			}
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	private static void stageFailed(CompletableFuture<?> source, CompletableFuture<?> dependent, Object carrier) {
		try {
			Object result = resultOf(source);
			boolean failed = failureOf(result) != null;
			if (failed) {
				observed(source, result);
			}
			Throwable failure = (dependent != null) ? failureOf(resultOf(dependent)) : null;
			if (failure != null) {
				if (failed) {
					traceHandedOn(source, dependent);
					if (carrier != null && carriedByLibrary(source, dependent, failure, carrier)) {
						return;
					}
				}
				failed(dependent, failure);
			}
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	private static boolean carriedByLibrary(Object source, Object stage, Throwable failure, Object function) {
		FutureSink current = sink;
		if (current != null) {
			try {
				return current.namesLibraries() && current.carriedByLibrary(source, stage, failure, function);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
		return false;
	}

	/**
	 * A failed future handed its failure to a dependent stage created on it after it
	 * failed: the dependent is in the failed future's trace.
	 * @param future the failed future
	 * @param dependent the dependent
	 */
	public static void traceHandedOn(Object future, Object dependent) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.traceHandedOn(future, dependent);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * A future's failure was retrieved: thrown by a reading method or returned by
	 * {@code exceptionNow}.
	 * @param future the future
	 */
	public static void retrieved(Object future) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.retrieved(future);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * A dependent was created on a {@code CompletableFuture}, or its failure was thrown
	 * to a caller: a failure it has is handed on. The failing thread may not have
	 * reported the failure yet, so it is remembered.
	 * @param future the future
	 * @param result its raw result
	 */
	public static void observed(Object future, Object result) {
		if (failureOf(result) != null) {
			handedOn(future);
		}
	}

	/**
	 * A composing method of {@code CompletableFuture} ({@code thenCompose},
	 * {@code exceptionallyCompose}, their async forms) read the result of the stage its
	 * function returned, right after that stage's {@code toCompletableFuture()}: a
	 * failure it holds is relayed to the composed future. The stage may have failed since
	 * the hook of {@code toCompletableFuture()} looked, on another thread, whose hook
	 * then found nothing waiting on it: the JDK's read is the hand-over. Small enough for
	 * the compiler to inline; a success costs a class comparison.
	 * @param result the raw result the JDK's code read, returned unchanged
	 * @param stage the future it read it from
	 * @return {@code result}
	 */
	public static Object composedResult(Object result, Object stage) {
		if (result != null && result.getClass() == ALT_RESULT) {
			composedFailure(stage, result);
		}
		return result;
	}

	private static void composedFailure(Object stage, Object result) {
		try {
			observed(stage, result);
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * A relay ({@code UniRelay.tryFire}) is about to hand the failure of its source to
	 * the future composed with it: the source is handed on, and the composed future is
	 * described as the source is, if it is still pending (a composed future completed
	 * first, cancelled or timed out, receives nothing, and the source stays watched).
	 * @param source the failed source
	 * @param dependent the composed future, or {@code null} once the relay fired
	 */
	public static void relayFiring(Object source, Object dependent) {
		try {
			if (dependent instanceof CompletableFuture && resultOf(dependent) == null) {
				traceHandedOn(source, dependent);
				handedOn(source);
			}
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * A reading method of a {@code CompletableFuture} ({@code get}, {@code join},
	 * {@code getNow}, {@code resultNow}) threw: its failure was handed to the caller,
	 * unless the method gave up waiting ({@code InterruptedException},
	 * {@code TimeoutException}) and the future failed only since, before this hook read
	 * its result.
	 * @param future the future
	 * @param result its result when the method ended
	 * @param thrown what the method threw
	 */
	public static void thrownToCaller(Object future, Object result, Throwable thrown) {
		if (!gaveUpWaiting(thrown)) {
			received(future, result);
		}
	}

	/**
	 * A reader or a handler received a future's failure, if it has one: nobody lost it,
	 * through this future or through any stage it is carried on to.
	 * @param future the future
	 * @param result its raw result
	 */
	public static void received(Object future, Object result) {
		if (failureOf(result) != null) {
			received(future);
		}
	}

	/**
	 * A reader received a future's failure ({@code exceptionNow} returned it).
	 * @param future the future
	 */
	public static void received(Object future) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.received(future);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * The private {@code uni*Stage} method of a handler of failures ({@code handle},
	 * {@code exceptionally}, {@code exceptionallyCompose}) made a dependent on a future:
	 * as {@link #stageMade}, and a failure the future has is received by the handler's
	 * function, if it is the application's (see {@link #isApplications}) and its executor
	 * did not refuse it.
	 * @param source the future
	 * @param dependent the dependent
	 * @param function the handler's function
	 * @param executor the executor of an async handler, which may have refused it, or
	 * {@code null}
	 */
	public static void handlerMade(CompletableFuture<?> source, CompletableFuture<?> dependent, Object function,
			Object executor) {
		try {
			if (isFailed(source) || (dependent != null && isFailed(dependent))) {
				stageFailed(source, dependent, null);
				if (isApplications(function) && !refused(executor, dependent)) {
					received(source, resultOf(source));
				}
			}
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * {@code FutureTask.get} threw with the task failed: its failure was handed to the
	 * caller (see {@link #thrownToCaller(Object)}), unless {@code get} gave up waiting
	 * and the task failed only since.
	 * @param future the task
	 * @param thrown what {@code get} threw
	 */
	public static void thrownToCaller(Object future, Throwable thrown) {
		if (!gaveUpWaiting(thrown)) {
			thrownToCaller(future);
		}
	}

	private static boolean gaveUpWaiting(Throwable thrown) {
		return thrown instanceof InterruptedException || thrown instanceof TimeoutException;
	}

	/**
	 * {@code MinimalStage.toCompletableFuture()} returned: the stage's failure, if it has
	 * one, is handed on to the copy it returned, born failed. {@code CompletableFuture}'s
	 * own methods call it on a stage they were given: {@code thenCompose} and
	 * {@code exceptionallyCompose} on the stage their function returned, then relay the
	 * copy's result to the dependent they return; the {@code both} stages on their other
	 * stage, whose result they combine; the {@code either} stages on their other stage,
	 * which they race as {@code anyOf} would. A copy one of them asked for, failed or
	 * pending, is handed on: the method reads its result directly once it is complete, or
	 * has it relayed, so a pending copy that fails between its making and that read (the
	 * walk of the stack below widens the window, and a {@code thenComposeAsync} on a pool
	 * hit it) would otherwise be watched although its failure went on; a pending one is
	 * remembered, one weak-map entry, as {@code anyOf}'s inputs are (see
	 * {@link #eitherInput(Object, Object)}). A copy the application asked for is its own
	 * to read, described as the stage is when the stage had failed (where it was made, by
	 * whom), as a dependent made on a failed future is. The caller is read from the
	 * stack, for failed or pending minimal stages only.
	 * @param stage the minimal stage
	 * @param result its raw result
	 * @param copy the future it returned
	 */
	public static void minimalStageCopied(Object stage, Object result, Object copy) {
		if (sink == null) {
			return;
		}
		boolean failed = failureOf(result) != null;
		if (failed) {
			handedOn(stage);
			// Born failed with the stage's failure.
			traceHandedOn(stage, copy);
		}
		if ((failed || result == null) && copy instanceof CompletableFuture) {
			if (copiedByAStageMethod()) {
				handedOn(copy);
			}
		}
	}

	private static boolean copiedByAStageMethod() {
		// Hidden frames too: a method reference (CompletionStage::toCompletableFuture)
		// given to thenApply is a hidden class between CompletableFuture and the copy.
		StackWalker.StackFrame caller = callerFrame(MINIMAL_STAGE);
		// Without a frame, the copy stays watched.
		return caller != null && isStageMethod(caller.getClassName(), caller.getMethodName());
	}

	/**
	 * Whether the frame that copied a minimal stage is one of {@code CompletableFuture}'s
	 * stage methods (JDK 17 to 25): a {@code thenCompose} or {@code exceptionallyCompose}
	 * (the method or its {@code tryFire}), or a {@code both} or {@code either} stage
	 * method.
	 */
	private static boolean isStageMethod(String type, String method) {
		if (type.equals(FUTURE)) {
			switch (method) {
				case "uniComposeStage", "uniComposeExceptionallyStage", "biApplyStage", "biAcceptStage", "biRunStage",
						"orApplyStage", "orAcceptStage", "orRunStage":
					return true;
				default:
					return false;
			}
		}
		return method.equals("tryFire")
				&& (type.equals(FUTURE + "$UniCompose") || type.equals(FUTURE + "$UniComposeExceptionally"));
	}

	/**
	 * Return the first frame of the current thread's stack past this class's frames and
	 * those of the hooked class (hidden frames included): the caller of the hooked
	 * method. {@code null} if there is none or the stack cannot be read.
	 * @param hooked the class whose method's advice called this class
	 */
	private static StackWalker.StackFrame callerFrame(String hooked) {
		try {
			return StackWalker.getInstance(StackWalker.Option.SHOW_HIDDEN_FRAMES).walk(new CallerFrame(hooked));
		}
		catch (Throwable ex) {
			return null;
		}
	}

	/**
	 * Finds the frame {@link #callerFrame} returns. No lambda: this class is the JDK's to
	 * load.
	 */
	private static final class CallerFrame implements
			java.util.function.Function<java.util.stream.Stream<StackWalker.StackFrame>, StackWalker.StackFrame> {

		private final String hooked;

		CallerFrame(String hooked) {
			this.hooked = hooked;
		}

		@Override
		public StackWalker.StackFrame apply(java.util.stream.Stream<StackWalker.StackFrame> frames) {
			java.util.Iterator<StackWalker.StackFrame> iterator = frames.iterator();
			while (iterator.hasNext()) {
				StackWalker.StackFrame frame = iterator.next();
				String type = frame.getClassName();
				if (!type.equals(FutureHooks.class.getName()) && !type.equals(this.hooked)) {
					return frame;
				}
			}
			return null;
		}

	}

	/**
	 * {@code FutureTask.get} threw a failure to its caller: handed on, unless the caller
	 * is the {@code invokeAll} of {@code AbstractExecutorService} or of the JDK's
	 * per-task executors waiting for the future, which swallows the failure and returns
	 * the list of futures to its own caller. That caller receives the futures, not their
	 * failures: one it drops unread is reported. Only where the hooks that hand on the
	 * futures of an {@code invokeAll} that throws are installed
	 * ({@link #invokeAllHooked}): without them the caller's {@code get} stays the
	 * retrieval, a missed report rather than a false one. The caller is read from the
	 * stack, for failures thrown only.
	 * @param future the future
	 */
	public static void thrownToCaller(Object future) {
		if (sink != null && (invokeAllHooked == 0 || !readByInvokeAll())) {
			handedOn(future);
		}
	}

	/**
	 * The hooks installed that hand on the futures of an {@code invokeAll} that throws:
	 * {@link #ABSTRACT_INVOKE_ALL} for {@code AbstractExecutorService.cancelAll},
	 * {@link #PER_TASK_INVOKE_ALL} for those of {@code ThreadPerTaskExecutor}.
	 * @param hooked the bits of the hooks installed
	 */
	public static void invokeAllHooked(int hooked) {
		invokeAllHooked = hooked;
	}

	/**
	 * Whether the caller of {@code FutureTask.get} (past the hooks' frames and
	 * {@code get}'s own) is an {@code invokeAll} whose hooks are installed (JDK 17 to
	 * 25). A stack that cannot be read counts as retrieved: a missed report, never a
	 * false one.
	 */
	private static boolean readByInvokeAll() {
		StackWalker.StackFrame caller = callerFrame(FUTURE_TASK);
		if (caller == null || !caller.getMethodName().equals("invokeAll")) {
			return false;
		}
		String type = caller.getClassName();
		int hooked = invokeAllHooked;
		return (type.equals("java.util.concurrent.AbstractExecutorService") && (hooked & ABSTRACT_INVOKE_ALL) != 0)
				|| (type.equals("java.util.concurrent.ThreadPerTaskExecutor") && (hooked & PER_TASK_INVOKE_ALL) != 0);
	}

	/**
	 * A future's failure was handed to a caller, maybe before the failing thread reported
	 * it.
	 * @param future the future
	 */
	public static void handedOn(Object future) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.observed(future);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * A dependent was created on a stage, which may be any {@code CompletionStage}.
	 * @param stage the stage, ignored unless it is a {@code CompletableFuture}
	 */
	public static void observed(Object stage) {
		if (stage instanceof CompletableFuture) {
			observed(stage, resultOf(stage));
		}
	}

	/**
	 * Futures were combined by {@code allOf}: those already failed are handed on.
	 * @param futures the inputs of {@code allOf}
	 */
	public static void observed(Object[] futures) {
		if (futures != null) {
			for (Object future : futures) {
				if (future instanceof CompletableFuture && failureOf(resultOf(future)) != null) {
					combinedInput(future);
				}
			}
		}
	}

	/**
	 * A future was taken by a combinator that reads its result from its field.
	 * @param future the future
	 */
	private static void combinedInput(Object future) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.combined(future);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * The futures of {@code invokeAny}, or of an {@code invokeAll} that threw, were let
	 * go of by the method, which cancelled those not complete: the failure of each that
	 * failed (or is completing) was handed to the method, and the caller never gets the
	 * list. Only such futures are remembered, none that succeeded or were cancelled.
	 * @param futures the method's list of futures
	 */
	public static void invokedTogether(List<?> futures) {
		FutureSink current = sink;
		if (current == null || futures == null || TASK_STATE == null) {
			return;
		}
		try {
			for (int i = 0, size = futures.size(); i < size; i++) {
				Object future = futures.get(i);
				if (future instanceof FutureTask) {
					int state = (int) TASK_STATE.getVolatile(future);
					if (state == TASK_EXCEPTIONAL || state == TASK_COMPLETING) {
						current.observed(future);
					}
				}
			}
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * The {@code invokeAll} of a {@code ThreadPerTaskExecutor} (the virtual-thread
	 * executor's, or {@code newThreadPerTaskExecutor}'s) is about to cancel its futures
	 * from this index on, those it did not wait for: remembered on this thread until the
	 * method ends ({@link #invokeAllEnded}), for the rare call that does not wait for
	 * them all. The whole list: a future before the index that was done when the method
	 * came to it was not read either.
	 * @param futures the method's list of futures
	 * @param from the first it did not wait for
	 */
	public static void leftByInvokeAll(List<?> futures, int from) {
		if (sink == null || futures == null || from >= futures.size()) {
			return;
		}
		try {
			leftByInvokeAll.set(futures);
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * A {@code ThreadPerTaskExecutor}'s {@code invokeAll} returned or threw: if it threw,
	 * the caller never gets its futures, whose failures it kept none of, as
	 * {@link #invokedTogether(List)} says; if it returned, they are the caller's.
	 * @param thrown what it threw, or {@code null}
	 */
	public static void invokeAllEnded(Throwable thrown) {
		try {
			if (thrown == null) {
				// Allocates nothing on a thread that never had the value.
				leftByInvokeAll.remove();
				return;
			}
			List<?> left = leftByInvokeAll.get();
			leftByInvokeAll.remove();
			if (left != null) {
				invokedTogether(left);
			}
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * A future is a source of an {@code either} stage: unless it completed normally, it
	 * is handed on now, whether it failed already or fails after the other source won. A
	 * pending one is remembered (one entry in the weak map of failures, as for
	 * {@code anyOf}); one that succeeded costs nothing.
	 * @param future the source
	 * @param result its raw result
	 */
	public static void eitherInput(Object future, Object result) {
		if (result == null || failureOf(result) != null) {
			combinedInput(future);
		}
	}

	/**
	 * The other source of an {@code either} stage, which may be any
	 * {@code CompletionStage}: see {@link #eitherInput(Object, Object)}.
	 * @param stage the other source, ignored unless it is a {@code CompletableFuture}
	 */
	public static void eitherInput(Object stage) {
		if (stage instanceof CompletableFuture) {
			eitherInput(stage, resultOf(stage));
		}
	}

	/**
	 * Futures were combined by {@code anyOf}, which stops listening to the others once
	 * one completes: each is handed on, whether it fails before or after.
	 * @param futures the inputs of {@code anyOf}
	 */
	public static void combined(Object[] futures) {
		FutureSink current = sink;
		if (current != null && futures != null) {
			try {
				for (Object future : futures) {
					current.combined(future);
				}
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * A {@code whenComplete} stage is about to run its action with its source's raw
	 * result. If that is a failure, the stage fails with it once the action returned: the
	 * action was handed it, so the stage's failure is delivered already, and is never
	 * watched, not even while the action's return wakes a thread that ends a test. Marked
	 * on this thread until {@link #actionReturned} (a failure only: a success touches
	 * nothing). The canceller {@code orTimeout} attaches is marked by itself: its stage's
	 * failure is delivered (nobody else can read that stage), but the canceller received
	 * nothing (see {@link #failureHandedOn(Object, Throwable, Object)}).
	 * @param stage the {@code whenComplete} stage
	 * @param sourceResult the raw result of its source
	 * @param action the stage's action
	 * @return what {@link #actionReturned} restores, or {@code null} if the source did
	 * not fail
	 */
	public static Object actionSees(Object stage, Object sourceResult, Object action) {
		if (failureOf(sourceResult) == null) {
			return null;
		}
		Object previous = actionSeesFailureOf.get();
		// The stage, or, for an action of the JDK's own code, the stage in an array.
		actionSeesFailureOf.set(isApplications(action) ? stage : new Object[] { stage });
		return (previous != null) ? previous : NO_STAGE;
	}

	/**
	 * A {@code whenComplete} stage's completion that {@link #actionSees} marked returned
	 * or threw: the mark before it is restored. Nothing else: a stage whose action never
	 * ran (the executor of an async action rejected it, or the stage was completed
	 * before) was not handed the failure by it.
	 * @param previous what {@link #actionSees} returned
	 */
	public static void actionReturned(Object previous) {
		actionSeesFailureOf.set((previous != NO_STAGE) ? previous : null);
	}

	/**
	 * Whether a {@code whenComplete} action is the canceller that {@code orTimeout} and
	 * {@code completeOnTimeout} attach, which hands no failure to anyone.
	 * @param action the action
	 * @return whether it is the canceller
	 */
	public static boolean isCanceller(Object action) {
		return action != null && action.getClass() == CANCELLER;
	}

	/**
	 * The completion of a {@code handle} or {@code exceptionally} stage fires its
	 * function with its source's raw result: a failure is received by the function, if it
	 * is the application's. Small enough to inline: a success costs a comparison.
	 * @param sourceResult the raw result of the completion's source
	 * @param function the stage's function
	 * @param completion the completion, or {@code null} when the stage method runs the
	 * function at once (seen by {@link #handlerMade})
	 */
	public static void handlerRuns(Object sourceResult, Object function, Object completion) {
		if (completion != null && sourceResult != null && sourceResult.getClass() == ALT_RESULT) {
			handlerRan(sourceResult, function, completion);
		}
	}

	private static void handlerRan(Object sourceResult, Object function, Object completion) {
		try {
			if (UNI_SOURCE != null && failureOf(sourceResult) != null && isApplications(function)) {
				Object source = UNI_SOURCE.getVolatile(completion);
				if (source != null) {
					received(source);
				}
			}
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * Whether the executor of an async stage refused to run it: the JDK failed the stage
	 * with the rejection at once, and its function never ran (a refusal after this
	 * moment, by a pool shut down later, is not seen).
	 * @param executor the stage's executor, or {@code null} if it has none
	 * @param stage the stage
	 * @return whether it was refused
	 */
	public static boolean refused(Object executor, Object stage) {
		if (executor == null || !(stage instanceof CompletableFuture)) {
			return false;
		}
		Throwable failure = failureOf(resultOf(stage));
		return failure instanceof CompletionException && failure.getCause() instanceof RejectedExecutionException;
	}

	/**
	 * Whether a function handed a failure is the application's, not the JDK's own code's
	 * (a class of the boot or platform class loader: the HTTP client's handlers of the
	 * futures it hands out): a failure only the JDK's code received is not received.
	 * @param function the function
	 * @return whether it is the application's
	 */
	public static boolean isApplications(Object function) {
		if (function == null) {
			return false;
		}
		ClassLoader loader = function.getClass().getClassLoader();
		return loader != null && loader != PLATFORM;
	}

	/**
	 * A future was constructed for a task: {@link #created}, while {@link #tracing}. What
	 * the constructors' advice calls, so that it adds a single call to the constructor:
	 * the compiler inlines a callee of up to 35 bytes of bytecode at any call site, a
	 * larger one only where the call is hot, and a constructor that is not inlined lets
	 * its new object escape, so that a task that did not escape the caller's code (run on
	 * the calling thread, {@code supplyAsync} on an executor that runs it at once) could
	 * be allocated where it is not without the agent. {@code AsyncSupply}'s constructor
	 * stays under that size with the call (27 bytes); {@code FutureTask(Callable)}'s is
	 * over it either way (39 bytes, 56 with the flag read in the advice).
	 * @param future the future
	 * @param task the task it runs
	 */
	public static void constructed(Object future, Object task) {
		if (tracing) {
			created(future, task);
		}
	}

	/**
	 * A future was created for a task (only while {@link #tracing}).
	 * @param future the future
	 * @param task the task it runs
	 */
	public static void created(Object future, Object task) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.created(future, task);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * A {@code CompletableFuture} was made with {@code new} (only while
	 * {@link #tracingMade}): by the application, or by the JDK's own code, a stage among
	 * them.
	 * @param future the future
	 */
	public static void made(Object future) {
		FutureSink current = sink;
		if (current == null) {
			return;
		}
		Object own = madeOwn();
		try {
			if (own == null) {
				current.made(future);
			}
			else if (own != OWN) {
				current.madeStage(future, own);
			}
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * The current thread is about to make a future in a method of
	 * {@code CompletableFuture} that makes one of its own (only while
	 * {@link #tracingMade}): the next future made on the thread is not the application's.
	 * Called only where the method makes one for sure: a method that threw first would
	 * leave the next future made on the thread untraced.
	 */
	public static void nextIsOwn() {
		NEXT_IS_OWN.get()[0] = OWN;
	}

	/**
	 * {@code CompletableFuture}'s {@code newIncompleteFuture} is about to make a future
	 * on the current thread (only while {@link #tracingMade}): the next future made on
	 * the thread is the JDK's own, a dependent stage of the given future when one of the
	 * class's stage methods called it.
	 * @param source the future it was called on
	 */
	public static void nextIsStageOf(Object source) {
		NEXT_IS_OWN.get()[0] = (source != null) ? source : OWN;
	}

	/**
	 * {@code anyOf} is about to make a future (only while {@link #tracingMade}), unless
	 * it throws first, on a {@code null} array or future, or has one future, whose
	 * {@code newIncompleteFuture} makes the copy (the JDK's says so itself; a subclass's,
	 * which may throw or make none, is told by the stack).
	 * @param futures its futures
	 */
	public static void nextIsOwnUnlessNull(Object[] futures) {
		if (futures == null || futures.length == 1) {
			return;
		}
		for (Object future : futures) {
			if (future == null) {
				return;
			}
		}
		nextIsOwn();
	}

	/**
	 * Return whether the future being made on the current thread is one a method of
	 * {@code CompletableFuture} makes of its own, and forget it.
	 */
	private static Object madeOwn() {
		Object[] next = NEXT_IS_OWN.get();
		Object own = next[0];
		next[0] = null;
		return own;
	}

	/**
	 * A {@code CompletableFuture} was made complete (only while {@link #tracingMade}):
	 * one born failed is made as by {@code new}.
	 * @param future the future
	 * @param result what it holds
	 */
	public static void madeComplete(Object future, Object result) {
		if (failureOf(result) != null) {
			made(future);
		}
		else {
			madeOwn();
		}
	}

	/**
	 * A {@code ThreadPoolExecutor}'s worker starts running tasks on the current thread.
	 * @param executor the executor
	 */
	public static void workerStarted(Object executor) {
		worksFor.set(new WorkerSlot(executor, Thread.currentThread()));
		FutureSink current = sink;
		if (current != null) {
			try {
				current.workerStarted(executor);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * A rejection policy discards a task.
	 * @param task the task
	 * @param executor the executor
	 */
	public static void discarded(Object task, Object executor) {
		dropped(task, executor, true);
	}

	/**
	 * Whether a sink receives drops: {@code DiscardOldestPolicy}'s advice then runs the
	 * policy itself, to see the task it discards.
	 * @return whether drops are reported
	 */
	public static boolean reportsDrops() {
		return sink != null;
	}

	/**
	 * {@code ScheduledThreadPoolExecutor.execute} made a future that nobody is handed.
	 * @param future what {@code schedule} returned
	 */
	public static void executedOnly(Object future) {
		FutureSink current = sink;
		if (current != null && future != null) {
			try {
				current.executedOnly(future);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * {@code DiscardOldestPolicy} polled a task from the queue {@code getQueue()}
	 * returned: discarded for certain if that is the pool's own queue, as the JDK's
	 * {@code getQueue()} returns; where a subclass overrides it (it may hand out a copy)
	 * the task may still run, and only a future is watched, until it settles.
	 * @param task what {@code poll()} returned, or {@code null}
	 * @param executor the executor
	 */
	public static void discardedOldest(Object task, ThreadPoolExecutor executor) {
		if (sink == null || task == null) {
			return;
		}
		try {
			dropped(task, executor, !overridesGetQueue(executor.getClass()));
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * {@code CallerRunsPolicy} rejects a task: it runs it in the caller unless the
	 * executor is shut down, when it drops it. The policy asks {@code isShutdown()}:
	 * where no subclass overrides it, the state field says what it will answer, and a
	 * task dropped is dropped for certain; otherwise a future is watched until it settles
	 * and a plain task is left alone, since it may run.
	 * @param task the task
	 * @param executor the executor
	 */
	public static void callerRunsRejected(Object task, ThreadPoolExecutor executor) {
		if (sink == null || CTL == null) {
			return;
		}
		try {
			if (isShutDown(executor)) {
				dropped(task, executor, !overrides(executor.getClass(), "isShutdown"));
			}
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * Whether a pool class overrides {@code getQueue()}: asked at every discard of an
	 * overloaded pool, so the answer for the latest class is kept (an array, since the
	 * bridge holds no class of its own for it).
	 */
	private static boolean overridesGetQueue(Class<?> type) {
		Object[] last = lastGetQueue;
		if (((WeakReference<?>) last[0]).get() == type) {
			return (Boolean) last[1];
		}
		boolean overrides = overrides(type, "getQueue");
		lastGetQueue = new Object[] { new WeakReference<>(type), overrides };
		return overrides;
	}

	/**
	 * Whether a subclass overrides one of {@code ThreadPoolExecutor}'s methods without
	 * parameters.
	 */
	private static boolean overrides(Class<?> type, String method) {
		if (type == ThreadPoolExecutor.class) {
			return false;
		}
		try {
			return type.getMethod(method).getDeclaringClass() != ThreadPoolExecutor.class;
		}
		catch (NoSuchMethodException | SecurityException ex) {
			return true;
		}
	}

	/**
	 * {@code shutdownNow} hands back the tasks an executor had not run. A plain task, or
	 * a future nobody else was handed ({@link #executedOnly}), is surely let go of only
	 * if Spring's executor shutdown called it; otherwise the caller may run it.
	 * @param tasks the tasks
	 * @param executor the executor
	 */
	public static void handedBack(List<?> tasks, Object executor) {
		FutureSink current = sink;
		if (current == null || tasks == null || tasks.isEmpty()) {
			return;
		}
		try {
			if (current.namesLibraries() && calledByLibrary(current)) {
				// A named library took the tasks back: the library's to run or drop, as
				// the futures it fails are.
				return;
			}
			boolean letGo = false;
			for (Object task : tasks) {
				if (!(task instanceof Future) || current.isExecutedOnly(task, executor)) {
					// A plain task is the caller's to run, unless the caller lets go of
					// it.
					letGo = calledByShutdownThatLetsGo(executor);
					break;
				}
			}
			for (Object task : tasks) {
				if (letGo && (!(task instanceof Future) || current.isExecutedOnly(task, executor))) {
					letGo(task, executor);
				}
				else {
					dropped(task, executor, false);
				}
			}
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
		}
	}

	/**
	 * Whether code of a library named in {@code library-packages} called
	 * {@code shutdownNow}: past this class and every {@code shutdownNow} or {@code close}
	 * method (the pool's own, and those of wrappers that delegate to it, the JDK's
	 * {@code Executors} wrappers among them), the first frame is the library's. A
	 * library's wrapper that the application shuts down is the application's call.
	 */
	private static boolean calledByLibrary(FutureSink current) {
		for (StackTraceElement frame : new Throwable().getStackTrace()) {
			String method = frame.getMethodName();
			if (frame.getClassName().equals(FutureHooks.class.getName()) || method.equals("shutdownNow")
					|| method.equals("close")) {
				continue;
			}
			return current.isLibrarysCode(frame.getClassName());
		}
		return false;
	}

	/**
	 * Whether {@code shutdownNow} was called by Spring's
	 * {@code ExecutorConfigurationSupport.shutdown()}, which destroys a
	 * {@code ThreadPoolTaskExecutor} or {@code ThreadPoolTaskScheduler} (unless it waits
	 * for its tasks): it cancels the futures handed back and lets go of every other task.
	 * Read from the stack, only when a plain task is handed back: past this class and the
	 * {@code shutdownNow} methods of the executor's own classes, the next frame must be
	 * Spring's. A class between them, such as a wrapper of the pool, may run the tasks.
	 */
	private static boolean calledByShutdownThatLetsGo(Object executor) {
		StackTraceElement[] frames = new Throwable().getStackTrace();
		for (StackTraceElement frame : frames) {
			if (frame.getClassName().equals(FutureHooks.class.getName())
					|| (frame.getMethodName().equals("shutdownNow") && isClassOf(executor, frame.getClassName()))) {
				continue;
			}
			return frame.getClassName().equals(SPRING_EXECUTOR_SUPPORT) && frame.getMethodName().equals("shutdown");
		}
		return false;
	}

	private static boolean isClassOf(Object executor, String className) {
		for (Class<?> type = executor.getClass(); type != null; type = type.getSuperclass()) {
			if (type.getName().equals(className)) {
				return true;
			}
		}
		return false;
	}

	private static void letGo(Object task, Object executor) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.letGo(task, executor);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	private static void dropped(Object task, Object executor, boolean discarded) {
		FutureSink current = sink;
		if (current != null && task != null) {
			try {
				current.dropped(task, executor, discarded);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * {@code ThreadPoolExecutor.remove} or {@code purge}, or
	 * {@code DiscardOldestPolicy}'s poll, starts or ended: tasks may leave the queue
	 * without a worker starting them. A static-field read until an executor is watched.
	 * @param executor the executor
	 * @param done whether it ended
	 */
	public static void queueEdited(Object executor, boolean done) {
		FutureSink current = sink;
		// A scheduled pool's queue is not counted: not for the JDK's timeouts, whose pool
		// removes each task cancelled in time.
		if (watching && current != null && !(executor instanceof ScheduledThreadPoolExecutor)) {
			try {
				current.queueEdited(executor, done);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * A plain task a {@code ThreadPoolExecutor} ran threw, on one of its workers.
	 * @param task the task
	 * @param failure what it threw
	 * @param executor the executor
	 */
	public static void uncaught(Object task, Throwable failure, Object executor) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.uncaught(task, failure, executor);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * A task an executor may have let go of ran or was cancelled; called only once
	 * {@link #letGo}.
	 * @param task the task
	 */
	public static void left(Object task) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.left(task);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * The current thread's worker stops running tasks.
	 */
	public static void workerStopped() {
		WorkerSlot slot = worksFor.get();
		if (slot != null) {
			slot.stop();
		}
		worksFor.remove();
	}

	/**
	 * Return whether {@code runWorker}'s calls of {@code beforeExecute} and
	 * {@code afterExecute} can be replaced by {@link #beforeExecute} and
	 * {@link #afterExecute}.
	 * @return whether the executor's own methods could be found
	 */
	public static boolean canReplaceExecuteCalls() {
		return BEFORE_EXECUTE != null && AFTER_EXECUTE != null;
	}

	/**
	 * Called by {@code runWorker} in place of {@code beforeExecute(thread, task)}: counts
	 * the run and notes the task if the executor is watched, calls it, then notes that
	 * the task runs. A subclass's {@code beforeExecute} that does not call its super's
	 * changes nothing.
	 * @param executor the executor
	 * @param thread the worker's thread
	 * @param task the task about to run
	 * @throws Throwable what {@code beforeExecute} threw, unchanged
	 */
	public static void beforeExecute(ThreadPoolExecutor executor, Thread thread, Runnable task) throws Throwable {
		WorkerSlot slot = watching ? watchedSlot() : null;
		if (slot == null) {
			BEFORE_EXECUTE.invokeExact(executor, thread, task);
			return;
		}
		// Counted and noted before the executor's hook: the task left the queue. Noted as
		// running once the hook returned: it may block, as Spring's executors do while
		// paused, or throw, and the worker then takes no other task.
		slot.took(task);
		try {
			BEFORE_EXECUTE.invokeExact(executor, thread, task);
		}
		catch (Throwable ex) {
			slot.idle();
			throw ex;
		}
		slot.running();
	}

	/**
	 * Called by {@code runWorker} in place of {@code afterExecute(task, failure)}: notes
	 * the task's end, reports a plain task's failure as uncaught, then calls
	 * {@code afterExecute}, whichever class overrides it.
	 * @param executor the executor
	 * @param task the task that ran
	 * @param failure what it threw, or {@code null}
	 * @throws Throwable what {@code afterExecute} threw, unchanged
	 */
	public static void afterExecute(ThreadPoolExecutor executor, Runnable task, Throwable failure) throws Throwable {
		if (watching) {
			ended();
		}
		if (failure != null) {
			// A future's task never throws here: an exception a subclass hands on for one
			// is the future's, which it read.
			if (!(task instanceof Future) && !threwItself(failure)) {
				uncaught(task, failure, executor);
			}
			AFTER_EXECUTE.invokeExact(executor, task, failure);
			return;
		}
		try {
			AFTER_EXECUTE.invokeExact(executor, task, (Throwable) null);
		}
		catch (Throwable ex) {
			// runWorker hands what afterExecute threw to afterExecute again, as it would
			// a failure of the task: the task did not fail.
			try {
				afterExecuteThrew.set(ex);
			}
			catch (Throwable bookkeeping) {
				// What afterExecute threw goes on unchanged, whatever happens here.
			}
			throw ex;
		}
	}

	/**
	 * Return whether {@code afterExecute} threw this failure itself after the task ran,
	 * forgetting it.
	 */
	private static boolean threwItself(Throwable failure) {
		try {
			Throwable threw = afterExecuteThrew.get();
			if (threw == null) {
				return false;
			}
			afterExecuteThrew.remove();
			return threw == failure;
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
			return false;
		}
	}

	/**
	 * Return the calling worker's slot if its executor is watched, or {@code null}.
	 */
	private static WorkerSlot watchedSlot() {
		try {
			WorkerSlot slot = worksFor.get();
			return (slot != null && slot.isWatched(sink, generation)) ? slot : null;
		}
		catch (Throwable ex) {
			// Never into the JDK's code.
			return null;
		}
	}

	/**
	 * Return the rejection policy a {@code ThreadPoolExecutor} uses, read from its field
	 * without calling its overridable getter.
	 * @param executor the executor
	 * @return the policy, or {@code null} if it cannot be read
	 */
	public static Object policyOf(Object executor) {
		return read(HANDLER, executor);
	}

	/**
	 * Return whether a {@code ThreadPoolExecutor} was shut down, read from its state.
	 * @param executor the executor
	 * @return whether it was, or {@code true} if its state cannot be read
	 */
	public static boolean isShutDown(Object executor) {
		// SHUTDOWN and the states after it are not negative.
		return !(read(CTL, executor) instanceof AtomicInteger ctl) || ctl.get() >= 0;
	}

	/**
	 * Return how many workers a {@code ThreadPoolExecutor} counts, read from its state
	 * without calling its overridable methods or taking its lock: a worker is counted
	 * from before it takes a task until after it counted its last run.
	 * @param executor the executor
	 * @return the count, or {@code -1} if it cannot be read
	 */
	public static int workerCount(Object executor) {
		return (read(CTL, executor) instanceof AtomicInteger ctl) ? ctl.get() & ((1 << (Integer.SIZE - 3)) - 1) : -1;
	}

	/**
	 * Read a field of a {@code ThreadPoolExecutor}, or return {@code null} if it cannot.
	 */
	private static Object read(VarHandle field, Object executor) {
		if (field == null || !(executor instanceof ThreadPoolExecutor)) {
			return null;
		}
		try {
			return field.getVolatile(executor);
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	private static void ended() {
		WorkerSlot slot = worksFor.get();
		if (slot != null) {
			slot.idle();
		}
	}

	/**
	 * Note that the set of watched executors changed: each worker asks the sink again at
	 * its next task.
	 */
	public static synchronized void watchedChanged() {
		generation++;
		watching = true;
	}

	/**
	 * Return the queue of a {@code ThreadPoolExecutor} if it is one of the JDK's, read
	 * without calling its overridable {@code getQueue()}.
	 * @param executor the executor
	 * @return its queue, or {@code null}
	 */
	public static Queue<?> queueOf(Object executor) {
		Object queue = read(WORK_QUEUE, executor);
		return (queue != null && queue.getClass().getClassLoader() == null) ? (Queue<?>) queue : null;
	}

	/**
	 * Return the executor the current thread works for: the pool of a
	 * {@code ForkJoinWorkerThread}, or the {@code ThreadPoolExecutor} of a worker.
	 * @return the executor, or {@code null} if the thread is not known to be a worker
	 */
	public static Object currentExecutor() {
		Thread thread = Thread.currentThread();
		if (thread instanceof ForkJoinWorkerThread) {
			return (POOL != null) ? POOL.get(thread) : null;
		}
		WorkerSlot slot = worksFor.get();
		return (slot != null) ? slot.executor() : null;
	}

	/**
	 * Return whether {@code CompletableFuture}'s result, and the failure it holds, can be
	 * read on this JDK: if not, its hooks are not installed.
	 * @return whether they can
	 */
	public static boolean readsCompletableFutures() {
		return ALT_RESULT != null && CANCELLER != null && RESULT != null && EX != null;
	}

	private static Object resultOf(Object future) {
		return (RESULT != null) ? RESULT.getVolatile(future) : null;
	}

	private static Class<?> optionalType(String name) {
		try {
			// Not initialized: see nothing of CompletableFuture's run before main.
			return Class.forName(name, false, null);
		}
		catch (ClassNotFoundException | RuntimeException | LinkageError ex) {
			return null;
		}
	}

	private static VarHandle optionalField(Class<?> type, String name, Class<?> fieldType) {
		try {
			return MethodHandles.privateLookupIn(type, MethodHandles.lookup()).findVarHandle(type, name, fieldType);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return null;
		}
	}

	private static MethodHandle optionalVirtual(Class<?> type, String name, Class<?>... parameters) {
		try {
			return MethodHandles.privateLookupIn(type, MethodHandles.lookup())
				.findVirtual(type, name, MethodType.methodType(void.class, parameters));
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return null;
		}
	}

	/**
	 * Return whether a {@code CompletableFuture} holds a failure or a cancellation. For
	 * {@code CompletableFuture} itself, {@code isCompletedExceptionally()}: the method
	 * call, not a read through a {@code VarHandle}, keeps a new stage scalar-replaceable
	 * on JDK 17. For any other class the field is read: a {@code MinimalStage}'s method
	 * throws (allocating its exception), and an application's subclass may override it.
	 * Small enough for the compiler to inline.
	 * @param future the future
	 * @return whether its result is a failure
	 */
	public static boolean isFailed(CompletableFuture<?> future) {
		return (future.getClass() == CompletableFuture.class) ? future.isCompletedExceptionally() : failedField(future);
	}

	private static boolean failedField(CompletableFuture<?> future) {
		return failureOf(resultOf(future)) != null;
	}

	private static Throwable failureOf(Object result) {
		// CompletableFuture's NIL, the result of a null value, is an AltResult without an
		// exception: not read, as reading a static field of the class would initialize it
		// (and the common pool) from the agent's start-up.
		if (result == null || ALT_RESULT == null || result.getClass() != ALT_RESULT) {
			return null;
		}
		return (Throwable) EX.get(result);
	}

	private static final class NextIsOwn extends ThreadLocal<Object[]> {

		@Override
		protected Object[] initialValue() {
			return new Object[1];
		}

	}

}
