package io.github.leakedtasks.agent;

import java.lang.instrument.Instrumentation;
import java.util.ArrayList;
import java.util.Collections;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;

import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import io.github.leakedtasks.tracking.LoggingLeakListener;
import io.github.leakedtasks.tracking.SharedTracker;
import io.github.leakedtasks.tracking.TaskScope;
import io.github.leakedtasks.tracking.TaskTracker;
import net.bytebuddy.agent.builder.AgentBuilder;
import net.bytebuddy.asm.Advice;
import net.bytebuddy.asm.AsmVisitorWrapper;
import net.bytebuddy.description.method.MethodDescription;
import net.bytebuddy.dynamic.DynamicType;
import net.bytebuddy.matcher.ElementMatcher;
import net.bytebuddy.matcher.ElementMatchers;
import net.bytebuddy.utility.JavaModule;

/**
 * Second stage of the agent's start, loaded once the bridge is on the boot class path:
 * starts the engine, retransforms the JDK types with the hook points that exist, checks
 * that they fire and plugs the engine into the bridge.
 *
 * @since 0.1.0
 */
final class AgentInstaller {

	private AgentInstaller() {
	}

	static TaskTracker install(AgentSettings settings, Instrumentation instrumentation, Class<?> hooks)
			throws Exception {
		TaskTracker tracker = TaskTracker.create(settings.tracking());
		JdkCompleters.libraryPackages(settings.libraryPackages());
		List<String> problems = Collections.synchronizedList(new ArrayList<>());
		Dependents dependents = dependents(problems);
		SelfTest selfTest = new SelfTest();
		FutureHooks.install(selfTest, false);
		AgentBuilder builder = new AgentBuilder.Default().disableClassFormatChanges()
			.with(AgentBuilder.RedefinitionStrategy.RETRANSFORMATION)
			.with(new RetransformationProblems(problems))
			.with(AgentBuilder.InitializationStrategy.NoOp.INSTANCE)
			.with(new Problems(problems))
			.ignore(ElementMatchers.none())
			.assureReadEdgeTo(instrumentation, hooks);
		List<HookPoint> installed = new ArrayList<>();
		Set<HookPoint> applied = ConcurrentHashMap.newKeySet();
		ComposedResultReads composedReads = new ComposedResultReads();
		if (dependents != null) {
			builder = instrument(builder, CompletableFuture.class, FutureInstrumentation.completableFuture(), installed,
					applied, problems,
					new AsmVisitorWrapper.ForDeclaredMethods().method(ElementMatchers.named("uniComposeStage")
						.or(ElementMatchers.named("uniComposeExceptionallyStage")), composedReads),
					"result", "stack");
			for (Class<?> composing : FutureInstrumentation.composingCompletions()) {
				builder = builder.type(ElementMatchers.is(composing))
					.transform((typeBuilder, description, loader, module, domain) -> typeBuilder
						.visit(new AsmVisitorWrapper.ForDeclaredMethods().method(ElementMatchers.named("tryFire"),
								composedReads)));
			}
		}
		builder = instrument(builder, FutureTask.class, FutureInstrumentation.futureTask(), installed, applied,
				problems, "outcome", "state", "callable");
		ExecuteCalls executeCalls = FutureHooks.canReplaceExecuteCalls() ? new ExecuteCalls() : null;
		builder = instrument(builder, ThreadPoolExecutor.class,
				FutureInstrumentation.threadPoolExecutor(executeCalls != null), installed, applied, problems,
				(executeCalls != null) ? new AsmVisitorWrapper.ForDeclaredMethods()
					.method(ElementMatchers.named("runWorker"), executeCalls) : null);
		List<HookPoint> nested = new ArrayList<>(FutureInstrumentation.discardPolicies());
		if (!FutureInstrumentation.isDiscardOldestHooked(Runtime.version().feature())) {
			problems.add("ThreadPoolExecutor$DiscardOldestPolicy.rejectedExecution (its body is known up to JDK "
					+ FutureInstrumentation.LAST_CHECKED_FEATURE + "; the oldest task it discards is not reported)");
		}
		nested.addAll(FutureInstrumentation.invokeMethods());
		if (dependents != null) {
			List<HookPoint> completableTypes = FutureInstrumentation.nestedTypes();
			if (completableTypes.size() < 6) {
				problems.add("CompletableFuture's AsyncSupply, AsyncRun, MinimalStage or UniRelay");
			}
			nested.addAll(completableTypes);
		}
		ScheduledExecuteCall scheduledExecute = new ScheduledExecuteCall();
		builder = builder.type(ElementMatchers.is(ScheduledThreadPoolExecutor.class))
			.transform((typeBuilder, description, loader, module,
					domain) -> typeBuilder.visit(new AsmVisitorWrapper.ForDeclaredMethods().method(
							ElementMatchers.named("execute").and(ElementMatchers.takesArguments(Runnable.class)),
							scheduledExecute)));
		// One transformation per type, with all its hook points.
		Map<Class<?>, List<HookPoint>> byType = new LinkedHashMap<>();
		for (HookPoint hook : nested) {
			byType.computeIfAbsent(hook.type(), (type) -> new ArrayList<>()).add(hook);
		}
		AsyncTaskHandlers asyncHandlers = new AsyncTaskHandlers();
		for (Map.Entry<Class<?>, List<HookPoint>> type : byType.entrySet()) {
			String name = type.getKey().getName();
			AsmVisitorWrapper code = (name.equals(ASYNC_SUPPLY) || name.equals(ASYNC_RUN))
					? new AsmVisitorWrapper.ForDeclaredMethods().method(
							ElementMatchers.named("run").and(ElementMatchers.takesNoArguments()), asyncHandlers)
					: null;
			builder = instrument(builder, type.getKey(), type.getValue(), installed, applied, problems, code);
		}
		builder.installOn(instrumentation);
		for (HookPoint hook : installed) {
			if (!applied.contains(hook)) {
				problems.add(hook.describe() + " (no method matched)");
			}
		}
		if (dependents != null && composedReads.hooked() != ComposedResultReads.EXPECTED) {
			problems.add("CompletableFuture's compose methods' read of the composed stage's result (found "
					+ composedReads.hooked() + " of " + ComposedResultReads.EXPECTED
					+ "; a stage that fails as it is composed may be reported)");
		}
		if (!scheduledExecute.marked()) {
			problems.add("ScheduledThreadPoolExecutor.execute's call of schedule (its queued tasks Spring's shutdown "
					+ "lets go of)");
		}
		if (executeCalls == null || !executeCalls.replaced()) {
			problems.add("ThreadPoolExecutor.runWorker's calls of beforeExecute and afterExecute (uncaught failures "
					+ "and overdue tasks of its workers)");
		}
		for (String silent : selfTest.run(executeCalls != null && executeCalls.replaced())) {
			problems.add(silent + " did not fire");
		}
		// Executors are watched in place of a wrapper only if the agent sees everything
		// else the wrapper would: every hook point was found, matched and fired.
		boolean workersSeen = problems.isEmpty();
		if (dependents != null && asyncHandlers.hooked() != AsyncTaskHandlers.EXPECTED) {
			// Named after the future's class, as before: nothing else is lost.
			problems.add("CompletableFuture's AsyncSupply.run and AsyncRun.run handlers (found "
					+ asyncHandlers.hooked() + " of " + AsyncTaskHandlers.EXPECTED
					+ "; a failure of supplyAsync or runAsync past its type's traced ones is named after "
					+ "CompletableFuture, not its function)");
		}
		System.Logger.Level level = settings.logLevel();
		// Logs only while no integration (the Spring starter) reports through the engine.
		LoggingLeakListener unattended = (level != null) ? LoggingLeakListener.systemLogger(level) : null;
		SharedTracker.install(tracker, unattended);
		closeAtExit(tracker, unattended);
		try {
			tracker.lookBehindDelegates(new DelegatingExecutors());
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			problems.add("java.util.concurrent.Executors$DelegatedExecutorService (a name given to a "
					+ "delegating executor does not name its pool: " + ex + ")");
		}
		EngineSink sink = new EngineSink(tracker, dependents,
				allApplied(installed, applied, FutureTask.class) && selfTest.futureTasksSettle(),
				allApplied(installed, applied, ASYNC_SUPPLY) && allApplied(installed, applied, ASYNC_RUN), workersSeen);
		FutureHooks.install(sink, sink.tracesCreation());
		FutureHooks.tracingMade = sink.tracesEveryMade();
		// invokeAll's own get is no retrieval only where the futures of an invokeAll that
		// throws are handed on.
		int invokeAllHooked = adviceApplied(installed, applied, FutureTaskAdvice.InvokedTogether.class)
				? FutureHooks.ABSTRACT_INVOKE_ALL : 0;
		if (adviceApplied(installed, applied, FutureTaskAdvice.LeftByInvokeAll.class)
				&& adviceApplied(installed, applied, FutureTaskAdvice.InvokeAllEnded.class)) {
			invokeAllHooked |= FutureHooks.PER_TASK_INVOKE_ALL;
		}
		FutureHooks.invokeAllHooked(invokeAllHooked);
		// A function handed over is let go of by completeThrowable's hook.
		FutureHooks.namesAsyncTasks(asyncHandlers.hooked() == AsyncTaskHandlers.EXPECTED
				&& adviceApplied(installed, applied, CompletableFutureAdvice.CompleteThrowable.class));
		// A test's scope owns the futures created while it runs: creations are reported
		// from then on.
		TaskScope.whenFirstOpened(() -> {
			FutureHooks.tracing = true;
			FutureHooks.tracingMade = true;
		});
		// So does a tracer's (the Spring starter's, with Micrometer Tracing): a future
		// created in a trace remembers its ids.
		tracker.whenTraceIdsCaptured(() -> FutureHooks.tracing = true);
		if (!problems.isEmpty()) {
			System.getLogger("io.github.leakedtasks")
				.log(System.Logger.Level.WARNING, "The leaked-tasks agent could not instrument " + problems
						+ "; failures that go through these places are not reported");
		}
		return tracker;
	}

	/**
	 * Close the engine as the JVM exits, so that its last pass reports a failure nobody
	 * retrieved whose future is unreachable by then: a short-lived program exits before
	 * the grace period is over, and before any collection proved it lost. The pass
	 * collects garbage only when such a failure or a dropped task is at stake, and the
	 * exit waits for it at most two seconds, plus the collection. With the JDK's logging,
	 * the agent's own log lines then go to {@code System.err}, since it closes its
	 * handlers in a shutdown hook of its own ({@link LoggingLeakListener#exiting()}).
	 */
	private static void closeAtExit(TaskTracker tracker, LoggingLeakListener unattended) {
		Thread hook = new Thread(() -> {
			try {
				if (unattended != null) {
					unattended.exiting();
				}
				tracker.close();
			}
			catch (Throwable ex) {
				// The JVM's exit goes on whatever the last pass meets.
			}
		}, "leaked-tasks-exit");
		try {
			Runtime.getRuntime().addShutdownHook(hook);
		}
		catch (IllegalStateException | SecurityException ex) {
			// The JVM already exits, or a security manager refuses: no last pass.
		}
	}

	private static final String ASYNC_SUPPLY = "java.util.concurrent.CompletableFuture$AsyncSupply";

	private static final String ASYNC_RUN = "java.util.concurrent.CompletableFuture$AsyncRun";

	/**
	 * Return whether every hook point of a type that reports a task settling was
	 * installed and matched.
	 */
	private static boolean allApplied(List<HookPoint> installed, Set<HookPoint> applied, Object type) {
		boolean any = false;
		for (HookPoint hook : installed) {
			boolean ofType = (type instanceof Class<?> exact) ? hook.type() == exact
					: hook.type().getName().equals(type);
			if (ofType && hook.advice() == ThreadPoolExecutorAdvice.Left.class) {
				if (!applied.contains(hook)) {
					return false;
				}
				any = true;
			}
		}
		return any;
	}

	/**
	 * Return whether some hook point has the advice, and every one that has it was
	 * installed and matched.
	 */
	private static boolean adviceApplied(List<HookPoint> installed, Set<HookPoint> applied, Class<?> advice) {
		boolean any = false;
		for (HookPoint hook : installed) {
			if (hook.advice() == advice) {
				if (!applied.contains(hook)) {
					return false;
				}
				any = true;
			}
		}
		return any;
	}

	/**
	 * Return the reader of {@code CompletableFuture}'s stacks, or {@code null} if this
	 * JDK lays them out differently: every failure with a dependent would then be
	 * reported, so {@code CompletableFuture} is left alone.
	 */
	private static Dependents dependents(List<String> problems) {
		return dependents(problems, FutureHooks.readsCompletableFutures());
	}

	/**
	 * Return what reads the dependents of {@code CompletableFuture}s, or {@code null},
	 * with a problem named, if its internals cannot be read: its hooks are then not
	 * installed, and those of the other types are.
	 * @param problems where a problem is named
	 * @param readable whether the bridge reads a future's result on this JDK
	 * @return what reads the dependents, or {@code null}
	 */
	static Dependents dependents(List<String> problems, boolean readable) {
		if (!readable) {
			problems.add("java.util.concurrent.CompletableFuture (its result or the failure it holds cannot be read)");
			return null;
		}
		try {
			return new Dependents();
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			problems.add("java.util.concurrent.CompletableFuture (its completions cannot be read: " + ex + ")");
			return null;
		}
	}

	/**
	 * Add the hook points of a type that exist, skipping the type if a field its advice
	 * reads is missing: Byte Buddy would then fail the whole type.
	 */
	private static AgentBuilder instrument(AgentBuilder builder, Class<?> type, List<HookPoint> hooks,
			List<HookPoint> installed, Set<HookPoint> applied, List<String> problems, String... fields) {
		return instrument(builder, type, hooks, installed, applied, problems, null, fields);
	}

	/**
	 * Add the hook points of a type that exist and, if not {@code null}, a visitor of its
	 * methods' code (the calls {@code runWorker} makes, the reads of a composed stage).
	 */
	private static AgentBuilder instrument(AgentBuilder builder, Class<?> type, List<HookPoint> hooks,
			List<HookPoint> installed, Set<HookPoint> applied, List<String> problems, AsmVisitorWrapper code,
			String... fields) {
		for (String field : fields) {
			try {
				type.getDeclaredField(field);
			}
			catch (NoSuchFieldException ex) {
				problems.add(type.getName() + " (it has no field '" + field + "')");
				return builder;
			}
		}
		List<HookPoint> present = new ArrayList<>();
		for (HookPoint hook : hooks) {
			if (hook.exists()) {
				present.add(hook);
			}
			else if (!hook.optional()) {
				problems.add(hook.describe());
			}
		}
		installed.addAll(present);
		return builder.type(ElementMatchers.is(type)).transform((typeBuilder, description, loader, module, domain) -> {
			DynamicType.Builder<?> result = typeBuilder;
			for (HookPoint hook : present) {
				result = result.visit(Advice.to(hook.advice()).on(new Recording(hook, applied)));
			}
			if (code != null) {
				result = result.visit(code);
			}
			return result;
		});
	}

	/**
	 * Matches a hook point's method and notes that it did, so that a hook point whose
	 * matcher finds nothing is reported instead of silently missing.
	 */
	private static final class Recording extends ElementMatcher.Junction.AbstractBase<MethodDescription> {

		private final HookPoint hook;

		private final ElementMatcher<MethodDescription> matcher;

		private final Set<HookPoint> applied;

		Recording(HookPoint hook, Set<HookPoint> applied) {
			this.hook = hook;
			this.matcher = hook.matcher();
			this.applied = applied;
		}

		@Override
		public boolean matches(MethodDescription method) {
			boolean matches = this.matcher.matches(method);
			if (matches) {
				this.applied.add(this.hook);
			}
			return matches;
		}

	}

	private static final class Problems extends AgentBuilder.Listener.Adapter {

		private final List<String> problems;

		Problems(List<String> problems) {
			this.problems = problems;
		}

		@Override
		public void onError(String typeName, ClassLoader classLoader, JavaModule module, boolean loaded,
				Throwable throwable) {
			this.problems.add(typeName + " (" + throwable + ")");
		}

	}

	private static final class RetransformationProblems extends AgentBuilder.RedefinitionStrategy.Listener.Adapter {

		private final List<String> problems;

		RetransformationProblems(List<String> problems) {
			this.problems = problems;
		}

		@Override
		public Iterable<? extends List<Class<?>>> onError(int index, List<Class<?>> batch, Throwable throwable,
				List<Class<?>> types) {
			this.problems.add(batch + " (" + throwable + ")");
			return Collections.emptyList();
		}

		@Override
		public void onComplete(int amount, List<Class<?>> types, Map<List<Class<?>>, Throwable> failures) {
		}

	}

}
