package io.github.leakedtasks.agent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Predicate;

import io.github.leakedtasks.agent.bootstrap.ConcurrentAccess;
import io.github.leakedtasks.agent.bootstrap.FutureHooks;

/**
 * Reads the stack of completions of a {@code CompletableFuture} that just failed: a
 * dependent or a waiter on it receives the failure. The JDK's own timeout canceller,
 * which {@code orTimeout} attaches, does not count.
 *
 * @since 0.1.0
 */
final class Dependents {

	/** Stacks are walked at most this deep; any longer one has dependents anyway. */
	private static final int MAX_DEPTH = 64;

	private final VarHandle stack;

	private final VarHandle next;

	private final Class<?> whenComplete;

	private final VarHandle action;

	private final Class<?> canceller;

	/** The completions of one source, or {@code null} where they cannot be read. */
	private final Class<?> uniCompletion;

	/** The dependent future of such a completion. */
	private final VarHandle dependent;

	private final VarHandle source;

	/**
	 * The completions of two sources that wait for both ({@code thenCombine},
	 * {@code thenAcceptBoth}, {@code runAfterBoth}, the relays of {@code allOf}), or none
	 * where they cannot be read.
	 */
	private final Set<Class<?>> both;

	/** The second source of such a completion. */
	private final VarHandle second;

	private final VarHandle result;

	/**
	 * The completions whose function is handed a failure ({@code handle},
	 * {@code exceptionally}, {@code exceptionallyCompose}), or none where they cannot be
	 * found; {@code whenComplete}'s is told by its class and action.
	 */
	private final Map<Class<?>, VarHandle> handlers;

	/**
	 * The completions of one source that carry its failure on without calling their
	 * function ({@code thenApply}, {@code thenAccept}, {@code thenRun},
	 * {@code thenCompose}, and their async forms), with their function's field, or none
	 * where they cannot be read.
	 */
	private final Map<Class<?>, VarHandle> carriers;

	Dependents() throws ReflectiveOperationException {
		MethodHandles.Lookup lookup = ConcurrentAccess.privateLookupIn(CompletableFuture.class);
		Class<?> completion = Class.forName("java.util.concurrent.CompletableFuture$Completion", false, null);
		this.stack = lookup.findVarHandle(CompletableFuture.class, "stack", completion);
		this.next = lookup.findVarHandle(completion, "next", completion);
		this.whenComplete = Class.forName("java.util.concurrent.CompletableFuture$UniWhenComplete", false, null);
		this.action = ConcurrentAccess.privateLookupIn(this.whenComplete)
			.findVarHandle(this.whenComplete, "fn", java.util.function.BiConsumer.class);
		this.canceller = Class.forName("java.util.concurrent.CompletableFuture$Canceller", false, null);
		Class<?> uni = null;
		VarHandle dep = null;
		VarHandle src = null;
		try {
			uni = Class.forName("java.util.concurrent.CompletableFuture$UniCompletion", false, null);
			dep = lookup.findVarHandle(uni, "dep", CompletableFuture.class);
			src = lookup.findVarHandle(uni, "src", CompletableFuture.class);
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			// Dependents then carry no trace ids of their source.
			uni = null;
		}
		this.uniCompletion = uni;
		this.dependent = dep;
		this.source = src;
		Set<Class<?>> bothTypes = Set.of();
		VarHandle snd = null;
		VarHandle res = null;
		try {
			Class<?> bi = Class.forName("java.util.concurrent.CompletableFuture$BiCompletion", false, null);
			snd = lookup.findVarHandle(bi, "snd", CompletableFuture.class);
			res = lookup.findVarHandle(CompletableFuture.class, "result", Object.class);
			bothTypes = Set.of(Class.forName("java.util.concurrent.CompletableFuture$BiApply", false, null),
					Class.forName("java.util.concurrent.CompletableFuture$BiAccept", false, null),
					Class.forName("java.util.concurrent.CompletableFuture$BiRun", false, null),
					Class.forName("java.util.concurrent.CompletableFuture$BiRelay", false, null));
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			// Every dependent is then taken to complete with its source.
			bothTypes = Set.of();
		}
		this.both = bothTypes;
		this.second = snd;
		this.result = res;
		Map<Class<?>, VarHandle> handlerTypes;
		try {
			handlerTypes = Map.of(this.whenComplete, this.action, completion("UniHandle"),
					function("UniHandle", java.util.function.BiFunction.class), completion("UniExceptionally"),
					function("UniExceptionally", java.util.function.Function.class),
					completion("UniComposeExceptionally"),
					function("UniComposeExceptionally", java.util.function.Function.class));
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			// No handler is then seen on a stack but whenComplete's: a stage that carries
			// the failure on beside one is reported.
			handlerTypes = Map.of(this.whenComplete, this.action);
		}
		this.handlers = handlerTypes;
		Map<Class<?>, VarHandle> carrierTypes;
		try {
			carrierTypes = Map.of(completion("UniApply"), function("UniApply", java.util.function.Function.class),
					completion("UniAccept"), function("UniAccept", Consumer.class), completion("UniRun"),
					function("UniRun", Runnable.class), completion("UniCompose"),
					function("UniCompose", java.util.function.Function.class));
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			// A library's stages are then the application's, as any stage.
			carrierTypes = Map.of();
		}
		this.carriers = carrierTypes;

	}

	private static Class<?> completion(String name) throws ClassNotFoundException {
		return Class.forName("java.util.concurrent.CompletableFuture$" + name, false, null);
	}

	private static VarHandle function(String completion, Class<?> type) throws ReflectiveOperationException {
		Class<?> owner = completion(completion);
		return ConcurrentAccess.privateLookupIn(owner).findVarHandle(owner, "fn", type);
	}

	/**
	 * Return whether a failed future's stack, as far as it is read, holds the completion
	 * of a handler of its failure: a {@code handle}, {@code exceptionally},
	 * {@code exceptionallyCompose} or {@code whenComplete} stage whose function or action
	 * is the application's (not the JDK's own code's, such as the canceller
	 * {@code orTimeout} attaches), which is handed the failure. An async one counts even
	 * if its executor refuses it once the failure fires it.
	 * @param future the future
	 * @return whether it holds one
	 */
	boolean anyHandler(Object future) {
		Object completion = this.stack.getVolatile(future);
		for (int i = 0; completion != null && i < MAX_DEPTH; i++) {
			VarHandle function = this.handlers.get(completion.getClass());
			if (function != null && FutureHooks.isApplications(function.getVolatile(completion))) {
				return true;
			}
			completion = this.next.getVolatile(completion);
		}
		return false;
	}

	/**
	 * Hand each dependent stage of a failed future to an action, as far as the stack is
	 * read (a stage pushed after is not seen): the stages whose first source it is, not
	 * those of two sources that wait on it as their second, which may fail with the
	 * first's failure.
	 * @param future the future
	 * @param due what to do with each dependent that completes now, with the failure or
	 * its handler's outcome
	 * @param awaiting what to do with each dependent that also waits for a second source
	 * still pending ({@code thenCombine} and the other stages of both, the parts of
	 * {@code allOf}), which may never complete, and that source
	 */
	void forEachDependent(Object future, Consumer<Object> due, BiConsumer<Object, Object> awaiting) {
		if (this.uniCompletion == null) {
			return;
		}
		Object completion = this.stack.getVolatile(future);
		for (int i = 0; completion != null && i < MAX_DEPTH; i++) {
			if (this.uniCompletion.isInstance(completion) && this.source.getVolatile(completion) == future) {
				Object dep = this.dependent.getVolatile(completion);
				Object other = (dep != null) ? pendingSecond(completion) : null;
				if (other != null) {
					awaiting.accept(dep, other);
				}
				else if (dep != null) {
					due.accept(dep);
				}
			}
			completion = this.next.getVolatile(completion);
		}
	}

	/**
	 * Hand each dependent stage of a failed future that carries the failure on without
	 * calling its function, is still pending, and whose function the test accepts, to an
	 * action, as far as the stack is read.
	 * @param future the future
	 * @param function the test of a stage's function
	 * @param action what to do with each such stage
	 */
	void forEachCarrier(Object future, Predicate<Object> function, Consumer<Object> action) {
		if (this.uniCompletion == null || this.carriers.isEmpty() || this.result == null) {
			return;
		}
		Object completion = this.stack.getVolatile(future);
		for (int i = 0; completion != null && i < MAX_DEPTH; i++) {
			VarHandle fn = this.carriers.get(completion.getClass());
			if (fn != null && this.source.getVolatile(completion) == future) {
				Object stageFunction = fn.getVolatile(completion);
				Object dep = this.dependent.getVolatile(completion);
				// A stage complete already (by hand, cancelled, timed out) carries
				// nothing on.
				if (stageFunction != null && dep != null && this.result.getVolatile(dep) == null
						&& function.test(stageFunction)) {
					action.accept(dep);
				}
			}
			completion = this.next.getVolatile(completion);
		}
	}

	/**
	 * Return the second source of a completion that waits for both its sources, if it is
	 * pending, else {@code null}.
	 */
	private Object pendingSecond(Object completion) {
		if (!this.both.contains(completion.getClass())) {
			return null;
		}
		Object other = this.second.getVolatile(completion);
		return (other != null && this.result.getVolatile(other) == null) ? other : null;
	}

	/**
	 * Return whether a failed future hands its failure to a dependent or a waiter.
	 * @param future the future
	 * @return whether it has one
	 */
	boolean any(Object future) {
		return anyFrom(this.stack.getVolatile(future));
	}

	/**
	 * Return whether a stack read earlier, from its head, holds a dependent or a waiter.
	 * @param head the head of the stack
	 * @return whether it holds one
	 */
	boolean anyFrom(Object head) {
		Object completion = head;
		for (int i = 0; completion != null; i++) {
			if (i >= MAX_DEPTH || !isCanceller(completion)) {
				return true;
			}
			completion = this.next.getVolatile(completion);
		}
		return false;
	}

	private boolean isCanceller(Object completion) {
		if (completion.getClass() != this.whenComplete) {
			return false;
		}
		Object action = this.action.getVolatile(completion);
		return action != null && action.getClass() == this.canceller;
	}

}
