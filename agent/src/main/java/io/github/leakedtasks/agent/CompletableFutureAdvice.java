package io.github.leakedtasks.agent;

import java.util.concurrent.CompletableFuture;

import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import net.bytebuddy.asm.Advice;

/**
 * Advice inlined into {@code java.util.concurrent.CompletableFuture}: where failures
 * enter and where they are retrieved or handed on. Each piece runs only on a failure, or
 * compares a class on a success path.
 *
 * @since 0.1.0
 */
final class CompletableFutureAdvice {

	private CompletableFutureAdvice() {
	}

	/**
	 * {@code completeThrowable(Throwable, Object)}: the failure of the future a dependent
	 * depends on is handed on to it, or, when the source's result holds no such failure,
	 * the dependent fails with what its {@code whenComplete} action threw.
	 */
	static final class FailureHandedOn {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This Object future, @Advice.Argument(0) Throwable failure,
				@Advice.Argument(1) Object source, @Advice.Return boolean completed) {
			if (completed) {
				FutureHooks.failureHandedOn(future, failure, source);
			}
		}

	}

	/**
	 * {@code completeThrowable(Throwable)}: a task or function threw. Also when it threw
	 * itself (a stack overflow), the function an async task handed the bridge is let go
	 * of.
	 */
	static final class CompleteThrowable {

		@Advice.OnMethodExit(suppress = Throwable.class, onThrowable = Throwable.class)
		static void exit(@Advice.This Object future, @Advice.Argument(0) Throwable failure,
				@Advice.Return boolean completed) {
			try {
				if (completed) {
					FutureHooks.failed(future, failure);
				}
			}
			finally {
				FutureHooks.asyncTaskFailureNoted();
			}
		}

	}

	/**
	 * {@code internalComplete(Object)}: an explicit completion
	 * ({@code completeExceptionally}, also {@code orTimeout}'s, and {@code cancel}),
	 * whose completer may be the JDK's own code (see {@link JdkCompleters}); also a value
	 * handed on by {@code whenComplete} or {@code exceptionally}, which fails nothing.
	 */
	static final class CompleteExplicit {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This Object future, @Advice.Return boolean completed,
				@Advice.FieldValue("result") Object result) {
			if (completed) {
				FutureHooks.completedExplicitly(future, result);
			}
		}

	}

	/**
	 * {@code completeRelay(Object)} (the relays of {@code thenCompose},
	 * {@code exceptionallyCompose}, {@code copy}, {@code minimalCompletionStage},
	 * {@code anyOf}): a failure handed on. Whether a dependent waits on the future is
	 * decided before it completes, while nobody can pop its stack: two threads may fire
	 * the same relay (a {@code UniRelay} pushed as its source completes), and the one
	 * that does not complete the future may pop and fire its dependents before the hook
	 * of the one that did reads the stack. Only a failure is looked at.
	 */
	static final class CompleteRaw {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static boolean enter(@Advice.Argument(0) Object relayed, @Advice.FieldValue("stack") Object stack) {
			return stack != null && FutureHooks.relayingToDependent(relayed, stack);
		}

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This Object future, @Advice.Return boolean completed,
				@Advice.FieldValue("result") Object result, @Advice.Enter boolean toDependent) {
			if (completed) {
				FutureHooks.relayed(future, result, toDependent);
			}
		}

	}

	/**
	 * The constructor {@code CompletableFuture(Object)} ({@code failedFuture},
	 * {@code failedStage}, {@code anyOf} over a completed input): a future born failed is
	 * handed to its caller, and watched; one a class initializer made may be a constant,
	 * never suspected (see {@link JdkCompleters}).
	 */
	static final class Completed {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This Object future, @Advice.FieldValue("result") Object result) {
			if (FutureHooks.tracingMade) {
				// Where it was made, before its failure is watched.
				FutureHooks.madeComplete(future, result);
			}
			FutureHooks.completedExplicitly(future, result);
		}

	}

	/**
	 * The constructor {@code CompletableFuture()}: every future's, the JDK's own stages'
	 * too. While {@link FutureHooks#tracingMade}, where the application (or a library)
	 * made one with {@code new} is remembered; a success costs one read of that field.
	 */
	static final class Made {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This Object future) {
			if (FutureHooks.tracingMade) {
				FutureHooks.made(future);
			}
		}

	}

	/**
	 * The methods of {@code CompletableFuture} and its {@code MinimalStage} that make a
	 * future of their own ({@code newIncompleteFuture}, which every dependent stage is
	 * made by, {@code supplyAsync}'s, {@code allOf}'s and {@code anyOf}'s, a minimal
	 * stage and its copy), each before it makes one: while
	 * {@link FutureHooks#tracingMade}, the next future made on the thread is the JDK's,
	 * told without reading the stack. On entry only: advice on the way out would keep the
	 * compiler from removing a stage that does not escape. Each call costs one read of
	 * that field otherwise.
	 */
	static final class NextIsOwn {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter() {
			if (FutureHooks.tracingMade) {
				FutureHooks.nextIsOwn();
			}
		}

	}

	/**
	 * {@code newIncompleteFuture}, as {@link NextIsOwn}: which every dependent stage is
	 * made by, on the future it is called on (see {@link FutureHooks#nextIsStageOf}), so
	 * that a stage the application asked for in a test's scope is the test's. While
	 * {@link FutureHooks#tracingMade} only (tests, {@code always} mode), the future it is
	 * called on is then held by the thread until the stage is made.
	 */
	static final class StageIsOwn {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.This Object source) {
			if (FutureHooks.tracingMade) {
				FutureHooks.nextIsStageOf(source);
			}
		}

	}

	/**
	 * {@code asyncSupplyStage} and {@code asyncRunStage}, as {@link NextIsOwn}: unless
	 * the function is {@code null}, for which they throw before they make a future.
	 */
	static final class AsyncStageIsOwn {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.Argument(1) Object function) {
			if (FutureHooks.tracingMade && function != null) {
				FutureHooks.nextIsOwn();
			}
		}

	}

	/**
	 * {@code anyOf}, as {@link NextIsOwn}: unless the array or one of its futures is
	 * {@code null}, for which it throws before it makes a future, or it has one future,
	 * whose {@code newIncompleteFuture} makes the copy.
	 */
	static final class AnyOfIsOwn {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.Argument(0) Object[] futures) {
			if (FutureHooks.tracingMade) {
				FutureHooks.nextIsOwnUnlessNull(futures);
			}
		}

	}

	/**
	 * {@code obtrudeException}: an explicit completion, whose completer may be the JDK's
	 * own code (see {@link JdkCompleters}); the failure it puts over another is
	 * registered before it is written, so that a reader on another thread reads it into
	 * its record.
	 */
	static final class Obtruded {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.This Object future, @Advice.Argument(0) Throwable failure,
				@Advice.FieldValue("result") Object result) {
			FutureHooks.obtruding(future, failure, result);
		}

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This Object future, @Advice.FieldValue("result") Object result) {
			FutureHooks.completedExplicitly(future, result);
		}

	}

	/**
	 * {@code obtrudeValue}: a failure replaced by a value, which the caller read first
	 * ({@code isCompletedExceptionally}, a failed {@code join}) or decided to overwrite:
	 * nothing is lost, as the executor wrappers also take it.
	 */
	static final class ObtrudedValue {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.This Object future, @Advice.FieldValue("result") Object result) {
			FutureHooks.observed(future, result);
		}

	}

	/**
	 * The private {@code uni*Stage} methods behind {@code thenApply},
	 * {@code whenComplete}, {@code handle}, {@code exceptionally} and the others (this
	 * advice itself on {@code uniAsMinimalStage}; the others, which take a function, have
	 * advice of their own that does this too): a dependent is created on this future,
	 * which hands its failure on; the dependent itself may have been failed by a direct
	 * write of its {@code result}.
	 */
	static final class UniStage {

		@Advice.OnMethodExit
		static void exit(@Advice.This CompletableFuture<?> source, @Advice.Return CompletableFuture<?> dependent) {
			// One call, which catches everything: the stage method grows by a few bytes,
			// and the hook is small enough to inline, so that a new stage handed to it
			// stays scalar-replaceable.
			FutureHooks.stageMade(source, dependent);
		}

	}

	/**
	 * The private {@code uniApplyStage}, {@code uniAcceptStage}, {@code uniRunStage} and
	 * {@code uniComposeStage}, whose dependents carry a failure on without calling their
	 * function: as {@link UniStage}, with the function, which tells whether a dependent
	 * made on a future a named library failed is the library's.
	 */
	static final class CarrierStage {

		@Advice.OnMethodExit
		static void exit(@Advice.This CompletableFuture<?> source, @Advice.Argument(1) Object function,
				@Advice.Return CompletableFuture<?> dependent) {
			// One call, which catches everything (see UniStage).
			FutureHooks.carrierMade(source, dependent, function);
		}

	}

	/**
	 * The private {@code uniHandleStage}, {@code uniExceptionallyStage} and
	 * {@code uniComposeExceptionallyStage}: as {@link UniStage}, and the function of the
	 * dependent, if it is the application's and its executor did not refuse it, receives
	 * a failure the future has.
	 */
	static final class HandlerStage {

		@Advice.OnMethodExit
		static void exit(@Advice.This CompletableFuture<?> source, @Advice.Argument(0) Object executor,
				@Advice.Argument(1) Object function, @Advice.Return CompletableFuture<?> dependent) {
			// One call, which catches everything (see UniStage).
			FutureHooks.handlerMade(source, dependent, function, executor);
		}

	}

	/**
	 * The private {@code uniWhenCompleteStage}: as {@link UniStage}, except for the
	 * canceller that {@code orTimeout} attaches, which may come after the timeout fired.
	 */
	static final class WhenCompleteStage {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This CompletableFuture<?> source, @Advice.FieldValue("result") Object result,
				@Advice.Argument(0) Object executor, @Advice.Argument(1) Object action,
				@Advice.Return CompletableFuture<?> dependent) {
			if (FutureHooks.isFailed(source) && !FutureHooks.isCanceller(action)) {
				if (FutureHooks.isApplications(action) && !FutureHooks.refused(executor, dependent)) {
					// The action is handed the failure, unless its executor refused it.
					FutureHooks.received(source, result);
				}
				else {
					FutureHooks.observed(source, result);
				}
			}
			if (dependent != null && FutureHooks.isFailed(dependent)) {
				if (FutureHooks.isFailed(source)) {
					FutureHooks.traceHandedOn(source, dependent);
				}
				FutureHooks.completed(dependent);
			}
		}

	}

	/**
	 * The private {@code bi*Stage} methods: two sources.
	 */
	static final class BiStage {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This CompletableFuture<?> source, @Advice.FieldValue("result") Object result,
				@Advice.Argument(1) Object other, @Advice.Return CompletableFuture<?> dependent) {
			if (FutureHooks.isFailed(source)) {
				FutureHooks.observed(source, result);
			}
			if (other instanceof CompletableFuture<?> future && FutureHooks.isFailed(future)) {
				FutureHooks.observed(other);
			}
			if (dependent != null && FutureHooks.isFailed(dependent)) {
				FutureHooks.completed(dependent);
			}
		}

	}

	/**
	 * The private {@code or*Stage} methods behind {@code applyToEither},
	 * {@code acceptEither} and {@code runAfterEither}: as {@code anyOf}, the stage stops
	 * listening to the other source once one completes, so each source not completed
	 * normally is handed on, whether it failed already or fails after the other won (the
	 * timeout idiom {@code future.applyToEither(failAfter(timeout), identity())}).
	 */
	static final class EitherStage {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This CompletableFuture<?> source, @Advice.FieldValue("result") Object result,
				@Advice.Argument(1) Object other, @Advice.Return CompletableFuture<?> dependent) {
			FutureHooks.eitherInput(source, result);
			FutureHooks.eitherInput(other);
			if (dependent != null && FutureHooks.isFailed(dependent)) {
				FutureHooks.completed(dependent);
			}
		}

	}

	/**
	 * The static {@code uniCopyStage(CompletableFuture)} behind {@code copy}.
	 */
	static final class CopyStage {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.Argument(0) CompletableFuture<?> source,
				@Advice.Return CompletableFuture<?> dependent) {
			if (source != null && FutureHooks.isFailed(source)) {
				FutureHooks.observed(source);
			}
			if (dependent != null && FutureHooks.isFailed(dependent)) {
				if (source != null && FutureHooks.isFailed(source)) {
					FutureHooks.traceHandedOn(source, dependent);
				}
				FutureHooks.completed(dependent);
			}
		}

	}

	/**
	 * {@code allOf(CompletableFuture...)}: its inputs are handed on to the future it
	 * returns. Over more than two inputs it builds a tree of futures of its own
	 * ({@code andTree}), each over a part of the inputs and read by the one above it
	 * through its {@code result} field, as an input is: only the future {@code allOf}
	 * returns is the caller's, and a failure it was born with is one of its inputs'.
	 */
	static final class AllOf {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.Argument(0) Object[] sources, @Advice.Return CompletableFuture<?> dependent) {
			if (sources != null) {
				FutureHooks.observed(sources);
			}
			if (dependent != null && FutureHooks.isFailed(dependent)) {
				FutureHooks.completed(dependent);
			}
		}

	}

	/**
	 * {@code anyOf(CompletableFuture...)}.
	 */
	static final class AnyOf {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.Argument(0) Object[] sources) {
			FutureHooks.combined(sources);
		}

	}

	/**
	 * {@code uniWhenComplete(Object, BiConsumer, UniWhenComplete)}, run on the dependent:
	 * if the action is handed the source's failure, the dependent's copy of it has been
	 * seen, from before the dependent fails with it (the action may wake a thread that
	 * looks at once).
	 */
	static final class UniWhenComplete {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static Object enter(@Advice.This Object dependent, @Advice.Argument(0) Object sourceResult,
				@Advice.Argument(1) Object action) {
			return FutureHooks.actionSees(dependent, sourceResult, action);
		}

		@Advice.OnMethodExit(onThrowable = Throwable.class, suppress = Throwable.class)
		static void exit(@Advice.Enter Object seen) {
			if (seen != null) {
				FutureHooks.actionReturned(seen);
			}
		}

	}

	/**
	 * {@code uniHandle(Object, BiFunction, UniHandle)} and
	 * {@code uniExceptionally(Object, Function, UniExceptionally)}, run on the dependent
	 * when the completion of a {@code handle} or {@code exceptionally} stage fires: its
	 * function, if it is the application's, receives the failure of the completion's
	 * source. Seen here too because the completion may be fired by another thread's
	 * {@code postComplete} before the hook of the thread that failed the source reads the
	 * source's stack. A success costs a comparison of the result's class.
	 */
	static final class HandlerRuns {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.Argument(0) Object sourceResult, @Advice.Argument(1) Object function,
				@Advice.Argument(2) Object completion) {
			FutureHooks.handlerRuns(sourceResult, function, completion);
		}

	}

	/**
	 * {@code toCompletableFuture()}, which {@code thenCompose} calls on the stage its
	 * function returns before relaying that stage's outcome.
	 */
	static final class ToCompletableFuture {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This CompletableFuture<?> future, @Advice.FieldValue("result") Object result) {
			if (FutureHooks.isFailed(future)) {
				FutureHooks.observed(future, result);
			}
		}

	}

	/**
	 * {@code MinimalStage.toCompletableFuture()}, which copies the stage into a new
	 * future, born failed if the stage failed (its other methods throw,
	 * {@code isCompletedExceptionally} included): the stage is handed on, and the copy
	 * too if one of {@code CompletableFuture}'s stage methods asked for it (see
	 * {@code FutureHooks.minimalStageCopied}).
	 */
	static final class MinimalStageCopied {

		@Advice.OnMethodExit(suppress = Throwable.class)
		static void exit(@Advice.This Object stage, @Advice.FieldValue("result") Object result,
				@Advice.Return Object copy) {
			FutureHooks.minimalStageCopied(stage, result, copy);
		}

	}

	/**
	 * {@code UniRelay.tryFire}: the relay a composing method pushes on the stage its
	 * function returned, once it read that stage pending (also {@code copy} and
	 * {@code minimalCompletionStage} on their source), fires: a failure it finds in its
	 * source goes on to the composed future, unless that is complete already. The stage
	 * may fail between that read and the push, its failing thread's hook finding nothing
	 * waiting on it yet; the push then fires the relay at once, and this is the
	 * hand-over. Read before the relay clears its fields; a success costs a class
	 * comparison and a read of the result.
	 */
	static final class RelayFired {

		@Advice.OnMethodEnter(suppress = Throwable.class)
		static void enter(@Advice.FieldValue("src") Object source, @Advice.FieldValue("dep") Object dependent) {
			if (source instanceof CompletableFuture<?> future && FutureHooks.isFailed(future)) {
				FutureHooks.relayFiring(future, dependent);
			}
		}

	}

	/**
	 * The constructors of {@code AsyncSupply} and {@code AsyncRun}, the tasks behind
	 * {@code supplyAsync} and {@code runAsync}: where a task is created.
	 */
	static final class AsyncTask {

		@Advice.OnMethodExit(backupArguments = false)
		static void exit(@Advice.Argument(0) Object future, @Advice.Argument(1) Object task) {
			// One call, which catches everything: see FutureHooks.constructed.
			FutureHooks.constructed(future, task);
		}

	}

}
