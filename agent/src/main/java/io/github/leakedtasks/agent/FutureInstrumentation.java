package io.github.leakedtasks.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ThreadPoolExecutor;

/**
 * The hook points of the instrumented JDK types: every place where a failure enters
 * {@code CompletableFuture} or {@code FutureTask}, and every place where one is retrieved
 * or handed on. The signatures are those of JDK 17 to 25.
 *
 * @since 0.1.0
 */
final class FutureInstrumentation {

	private static final String OBJECT = "java.lang.Object";

	private static final String THROWABLE = "java.lang.Throwable";

	private static final String EXECUTOR = "java.util.concurrent.Executor";

	private static final String STAGE = "java.util.concurrent.CompletionStage";

	private static final String FUTURE = "java.util.concurrent.CompletableFuture";

	private static final String FUTURES = "[Ljava.util.concurrent.CompletableFuture;";

	private static final String TPE = "java.util.concurrent.ThreadPoolExecutor";

	private static final String[] UNI_STAGES = { "uniApplyStage:java.util.function.Function",
			"uniAcceptStage:java.util.function.Consumer", "uniRunStage:java.lang.Runnable",
			"uniWhenCompleteStage:java.util.function.BiConsumer", "uniHandleStage:java.util.function.BiFunction",
			"uniExceptionallyStage:java.util.function.Function", "uniComposeStage:java.util.function.Function",
			"uniComposeExceptionallyStage:java.util.function.Function" };

	private static final String[] BI_STAGES = { "biApplyStage:java.util.function.BiFunction",
			"biAcceptStage:java.util.function.BiConsumer", "biRunStage:java.lang.Runnable" };

	private static final String[] EITHER_STAGES = { "orApplyStage:java.util.function.Function",
			"orAcceptStage:java.util.function.Consumer", "orRunStage:java.lang.Runnable" };

	private FutureInstrumentation() {
	}

	/**
	 * Return the hook points of {@code CompletableFuture}, which need its {@code result}
	 * field.
	 * @return the hook points
	 */
	static List<HookPoint> completableFuture() {
		Class<?> type = CompletableFuture.class;
		List<HookPoint> hooks = new ArrayList<>();
		hooks.add(HookPoint.of(type, "completeThrowable", CompletableFutureAdvice.CompleteThrowable.class, THROWABLE));
		hooks.add(HookPoint.of(type, "completeThrowable", CompletableFutureAdvice.FailureHandedOn.class, THROWABLE,
				OBJECT));
		hooks.add(HookPoint.of(type, "internalComplete", CompletableFutureAdvice.CompleteExplicit.class, OBJECT));
		hooks.add(HookPoint.of(type, "completeRelay", CompletableFutureAdvice.CompleteRaw.class, OBJECT));
		hooks.add(HookPoint.of(type, HookPoint.CONSTRUCTOR, CompletableFutureAdvice.Completed.class, OBJECT));
		hooks.add(HookPoint.of(type, HookPoint.CONSTRUCTOR, CompletableFutureAdvice.Made.class));
		// The class's own methods that make futures: what they make is told from what
		// the application makes without reading the stack. Where one is missing, the
		// stack tells. In a test's scope, the stack also tells whether the application
		// asked for a stage newIncompleteFuture makes.
		hooks.add(HookPoint.optional(type, "newIncompleteFuture", CompletableFutureAdvice.StageIsOwn.class));
		hooks.add(HookPoint.optional(type, "asyncSupplyStage", CompletableFutureAdvice.AsyncStageIsOwn.class, EXECUTOR,
				"java.util.function.Supplier"));
		hooks.add(HookPoint.optional(type, "asyncRunStage", CompletableFutureAdvice.AsyncStageIsOwn.class, EXECUTOR,
				"java.lang.Runnable"));
		hooks.add(HookPoint.optional(type, "andTree", CompletableFutureAdvice.NextIsOwn.class, FUTURES, "int", "int"));
		hooks.add(HookPoint.optional(type, "anyOf", CompletableFutureAdvice.AnyOfIsOwn.class, FUTURES));
		hooks.add(HookPoint.optional(type, "uniAsMinimalStage", CompletableFutureAdvice.NextIsOwn.class));
		hooks.add(HookPoint.of(type, "obtrudeException", CompletableFutureAdvice.Obtruded.class, THROWABLE));
		hooks.add(HookPoint.of(type, "obtrudeValue", CompletableFutureAdvice.ObtrudedValue.class, OBJECT));
		hooks.add(HookPoint.of(type, "get", RetrievalAdvice.CompletableFutureThrown.class));
		hooks.add(HookPoint.of(type, "get", RetrievalAdvice.CompletableFutureThrown.class, "long",
				"java.util.concurrent.TimeUnit"));
		hooks.add(HookPoint.of(type, "join", RetrievalAdvice.CompletableFutureThrown.class));
		hooks.add(HookPoint.of(type, "getNow", RetrievalAdvice.CompletableFutureThrown.class, OBJECT));
		hooks.add(HookPoint.optional(type, "resultNow", RetrievalAdvice.CompletableFutureThrown.class));
		hooks.add(HookPoint.optional(type, "exceptionNow", RetrievalAdvice.Returned.class));
		for (String stage : UNI_STAGES) {
			String[] parts = stage.split(":");
			Class<?> advice = switch (parts[0]) {
				case "uniWhenCompleteStage" -> CompletableFutureAdvice.WhenCompleteStage.class;
				case "uniHandleStage", "uniExceptionallyStage", "uniComposeExceptionallyStage" ->
					CompletableFutureAdvice.HandlerStage.class;
				default -> CompletableFutureAdvice.CarrierStage.class;
			};
			hooks.add(HookPoint.of(type, parts[0], advice, EXECUTOR, parts[1]));
		}
		hooks.add(HookPoint.of(type, "uniAsMinimalStage", CompletableFutureAdvice.UniStage.class));
		for (String stage : BI_STAGES) {
			String[] parts = stage.split(":");
			hooks.add(HookPoint.of(type, parts[0], CompletableFutureAdvice.BiStage.class, EXECUTOR, STAGE, parts[1]));
		}
		for (String stage : EITHER_STAGES) {
			String[] parts = stage.split(":");
			hooks.add(
					HookPoint.of(type, parts[0], CompletableFutureAdvice.EitherStage.class, EXECUTOR, STAGE, parts[1]));
		}
		hooks.add(HookPoint.of(type, "uniCopyStage", CompletableFutureAdvice.CopyStage.class, FUTURE));
		hooks.add(HookPoint.of(type, "allOf", CompletableFutureAdvice.AllOf.class, FUTURES));
		hooks.add(HookPoint.of(type, "anyOf", CompletableFutureAdvice.AnyOf.class, FUTURES));
		hooks.add(HookPoint.of(type, "uniWhenComplete", CompletableFutureAdvice.UniWhenComplete.class, OBJECT,
				"java.util.function.BiConsumer", "java.util.concurrent.CompletableFuture$UniWhenComplete"));
		hooks.add(HookPoint.of(type, "uniHandle", CompletableFutureAdvice.HandlerRuns.class, OBJECT,
				"java.util.function.BiFunction", "java.util.concurrent.CompletableFuture$UniHandle"));
		hooks.add(HookPoint.of(type, "uniExceptionally", CompletableFutureAdvice.HandlerRuns.class, OBJECT,
				"java.util.function.Function", "java.util.concurrent.CompletableFuture$UniExceptionally"));
		hooks.add(HookPoint.of(type, "toCompletableFuture", CompletableFutureAdvice.ToCompletableFuture.class));
		return hooks;
	}

	/**
	 * Return the hook points of nested classes of {@code CompletableFuture}: the tasks
	 * behind {@code supplyAsync} and {@code runAsync}, created before they are handed to
	 * the executor, which may run them at once, the {@code MinimalStage}, whose
	 * {@code toCompletableFuture} copies its outcome, and the {@code UniRelay}, which
	 * relays a stage's outcome to the future composed with it.
	 * @return the hook points, fewer if the JDK names them differently
	 */
	static List<HookPoint> nestedTypes() {
		// Looked up without initializing them: MinimalStage's initialization would
		// initialize CompletableFuture's, and with it the common pool, whose settings
		// the application's main may still make.
		List<HookPoint> hooks = new ArrayList<>();
		try {
			Class<?> supply = Class.forName(FUTURE + "$AsyncSupply", false, null);
			Class<?> run = Class.forName(FUTURE + "$AsyncRun", false, null);
			hooks.add(HookPoint.of(supply, HookPoint.CONSTRUCTOR, CompletableFutureAdvice.AsyncTask.class, FUTURE,
					"java.util.function.Supplier"));
			hooks.add(HookPoint.of(supply, "run", ThreadPoolExecutorAdvice.Left.class));
			hooks.add(HookPoint.of(run, HookPoint.CONSTRUCTOR, CompletableFutureAdvice.AsyncTask.class, FUTURE,
					"java.lang.Runnable"));
			hooks.add(HookPoint.of(run, "run", ThreadPoolExecutorAdvice.Left.class));
			Class<?> minimalStage = Class.forName(FUTURE + "$MinimalStage", false, null);
			hooks.add(HookPoint.of(minimalStage, "toCompletableFuture",
					CompletableFutureAdvice.MinimalStageCopied.class));
			hooks.add(HookPoint.optional(minimalStage, "toCompletableFuture", CompletableFutureAdvice.NextIsOwn.class));
			hooks
				.add(HookPoint.optional(minimalStage, "newIncompleteFuture", CompletableFutureAdvice.StageIsOwn.class));
			hooks.add(HookPoint.of(Class.forName(FUTURE + "$UniRelay", false, null), "tryFire",
					CompletableFutureAdvice.RelayFired.class, "int"));
		}
		catch (ClassNotFoundException ex) {
			// Reported as not instrumented by the caller: the list is short.
		}
		return hooks;
	}

	/**
	 * Return the completions of {@code CompletableFuture} that compose
	 * ({@code UniCompose}, {@code UniComposeExceptionally}), loaded without being
	 * initialized, so that their {@code tryFire} is transformed with the types hooked at
	 * start; fewer if the JDK names them differently (the missing read is then reported
	 * by the caller).
	 * @return the types
	 */
	static List<Class<?>> composingCompletions() {
		List<Class<?>> types = new ArrayList<>();
		for (String name : new String[] { FUTURE + "$UniCompose", FUTURE + "$UniComposeExceptionally" }) {
			try {
				types.add(Class.forName(name, false, null));
			}
			catch (ClassNotFoundException ex) {
				// Counted as a read not found.
			}
		}
		return types;
	}

	/**
	 * Return the hook points of {@code FutureTask}, which need its {@code outcome} and
	 * {@code state} fields.
	 * @return the hook points
	 */
	static List<HookPoint> futureTask() {
		Class<?> type = FutureTask.class;
		List<HookPoint> hooks = new ArrayList<>();
		hooks.add(HookPoint.of(type, "setException", FutureTaskAdvice.SetException.class, THROWABLE));
		hooks.add(HookPoint.of(type, "get", RetrievalAdvice.FutureTaskGetThrown.class));
		hooks.add(HookPoint.of(type, "get", RetrievalAdvice.FutureTaskGetThrown.class, "long",
				"java.util.concurrent.TimeUnit"));
		hooks.add(HookPoint.optional(type, "resultNow", RetrievalAdvice.FutureTaskThrown.class));
		hooks.add(HookPoint.optional(type, "exceptionNow", RetrievalAdvice.Returned.class));
		hooks.add(HookPoint.of(type, "finishCompletion", ThreadPoolExecutorAdvice.Left.class));
		hooks.add(HookPoint.of(type, HookPoint.CONSTRUCTOR, FutureTaskAdvice.Constructed.class,
				"java.util.concurrent.Callable"));
		hooks.add(HookPoint.of(type, HookPoint.CONSTRUCTOR, FutureTaskAdvice.Constructed.class, "java.lang.Runnable",
				OBJECT));
		return hooks;
	}

	/**
	 * Return the hook points of {@code ThreadPoolExecutor}: which executor a worker
	 * thread works for, where a plain task was executed, what {@code shutdownNow} hands
	 * back, when {@code remove} and {@code purge} edit the queue and, unless
	 * {@code runWorker}'s calls are replaced instead, {@code afterExecute}.
	 * @param executeCallsReplaced whether {@code runWorker}'s calls of
	 * {@code beforeExecute} and {@code afterExecute} are replaced
	 * @return the hook points
	 */
	static List<HookPoint> threadPoolExecutor(boolean executeCallsReplaced) {
		List<HookPoint> hooks = new ArrayList<>(List.of(
				HookPoint.of(ThreadPoolExecutor.class, "runWorker", ThreadPoolExecutorAdvice.RunWorker.class,
						"java.util.concurrent.ThreadPoolExecutor$Worker"),
				HookPoint.of(ThreadPoolExecutor.class, "shutdownNow", ThreadPoolExecutorAdvice.ShutdownNow.class),
				HookPoint.of(ThreadPoolExecutor.class, "execute", ThreadPoolExecutorAdvice.Execute.class,
						"java.lang.Runnable"),
				HookPoint.of(ThreadPoolExecutor.class, "remove", ThreadPoolExecutorAdvice.QueueEdited.class,
						"java.lang.Runnable"),
				HookPoint.of(ThreadPoolExecutor.class, "purge", ThreadPoolExecutorAdvice.QueueEdited.class)));
		if (!executeCallsReplaced) {
			hooks.add(HookPoint.of(ThreadPoolExecutor.class, "afterExecute",
					ThreadPoolExecutorAdvice.AfterExecute.class, "java.lang.Runnable", "java.lang.Throwable"));
		}
		return hooks;
	}

	/**
	 * The last JDK whose code the agent is known to repeat where it stands in for it
	 * ({@code DiscardOldestPolicy.rejectedExecution}) or whose fields it reads for one
	 * kind of task only ({@code ScheduledFutureTask.outerTask}).
	 */
	static final int LAST_CHECKED_FEATURE = 25;

	/**
	 * Return the hook points of the JDK's rejection policies that may drop a task, one
	 * type each.
	 * @return the hook points
	 */
	static List<HookPoint> discardPolicies() {
		return discardPolicies(Runtime.version().feature());
	}

	/**
	 * Return the hook points of the JDK's rejection policies that may drop a task, on a
	 * JDK of a feature release: {@code DiscardOldestPolicy}'s advice runs the policy's
	 * body in its place, as JDK 17 to {@value #LAST_CHECKED_FEATURE} write it, and is
	 * left out of a later JDK, whose body may differ (see
	 * {@link #isDiscardOldestHooked(int)}).
	 * @param feature the JDK's feature release
	 * @return the hook points
	 */
	static List<HookPoint> discardPolicies(int feature) {
		List<HookPoint> hooks = new ArrayList<>();
		hooks.add(HookPoint.of(ThreadPoolExecutor.DiscardPolicy.class, "rejectedExecution",
				ThreadPoolExecutorAdvice.Discard.class, "java.lang.Runnable", TPE));
		if (isDiscardOldestHooked(feature)) {
			hooks.add(HookPoint.of(ThreadPoolExecutor.DiscardOldestPolicy.class, "rejectedExecution",
					ThreadPoolExecutorAdvice.DiscardOldest.class, "java.lang.Runnable", TPE));
		}
		hooks.add(HookPoint.of(ThreadPoolExecutor.CallerRunsPolicy.class, "rejectedExecution",
				ThreadPoolExecutorAdvice.CallerRuns.class, "java.lang.Runnable", TPE));
		return hooks;
	}

	/**
	 * Return whether {@code DiscardOldestPolicy} is hooked on a JDK of a feature release.
	 * @param feature the JDK's feature release
	 * @return whether it is
	 */
	static boolean isDiscardOldestHooked(int feature) {
		return feature <= LAST_CHECKED_FEATURE;
	}

	/**
	 * Return the hook points where {@code invokeAny}, and {@code invokeAll} when it
	 * throws, let go of their futures:
	 * {@code AbstractExecutorService.cancelAll(ArrayList)} and, from JDK 21, the
	 * {@code invokeAll} methods of the virtual-thread executor
	 * ({@code ThreadPerTaskExecutor}) with their {@code cancelAll(List, int)}; none that
	 * this JDK does not have.
	 * @return the hook points
	 */
	static List<HookPoint> invokeMethods() {
		List<HookPoint> hooks = new ArrayList<>();
		hooks.add(HookPoint.optional(java.util.concurrent.AbstractExecutorService.class, "cancelAll",
				FutureTaskAdvice.InvokedTogether.class, "java.util.ArrayList"));
		try {
			Class<?> perTask = Class.forName("java.util.concurrent.ThreadPerTaskExecutor", false, null);
			List<HookPoint> together = List.of(
					HookPoint.optional(perTask, "cancelAll", FutureTaskAdvice.LeftByInvokeAll.class, "java.util.List",
							"int"),
					HookPoint.optional(perTask, "invokeAll", FutureTaskAdvice.InvokeAllEnded.class,
							"java.util.Collection"),
					HookPoint.optional(perTask, "invokeAll", FutureTaskAdvice.InvokeAllEnded.class,
							"java.util.Collection", "long", "java.util.concurrent.TimeUnit"));
			// All or none: what cancelAll remembers is let go of when invokeAll ends.
			if (together.stream().allMatch(HookPoint::exists)) {
				hooks.addAll(together);
			}
		}
		catch (ClassNotFoundException ex) {
			// JDK 17: no virtual threads.
		}
		return hooks;
	}

}
