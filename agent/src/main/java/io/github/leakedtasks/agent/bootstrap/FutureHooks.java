package io.github.leakedtasks.agent.bootstrap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;
import java.util.concurrent.CompletableFuture;

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

	private static final Class<?> ALT_RESULT;

	private static final Class<?> CANCELLER;

	private static final Object NIL;

	private static final VarHandle RESULT;

	private static final VarHandle EX;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.privateLookupIn(CompletableFuture.class,
					MethodHandles.lookup());
			ALT_RESULT = Class.forName("java.util.concurrent.CompletableFuture$AltResult", false, null);
			CANCELLER = Class.forName("java.util.concurrent.CompletableFuture$Canceller", false, null);
			RESULT = lookup.findVarHandle(CompletableFuture.class, "result", Object.class);
			EX = MethodHandles.privateLookupIn(ALT_RESULT, MethodHandles.lookup())
				.findVarHandle(ALT_RESULT, "ex", Throwable.class);
			NIL = lookup.findStaticVarHandle(CompletableFuture.class, "NIL", ALT_RESULT).get();
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private static volatile FutureSink sink;

	/** Whether the creation of futures is reported to the sink. */
	public static volatile boolean tracing;

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

	public static void failed(Object future, Throwable failure) {
		FutureSink current = sink;
		if (current != null) {
			try {
				current.failed(future, failure);
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * A {@code CompletableFuture} was completed with a raw result.
	 */
	public static void completed(Object future, Object result) {
		Throwable failure = failureOf(result);
		if (failure != null) {
			failed(future, failure);
		}
	}

	/**
	 * A {@code CompletableFuture} may have been completed by a direct write of its
	 * {@code result}.
	 */
	public static void completed(Object future) {
		if (future instanceof CompletableFuture) {
			completed(future, RESULT.getVolatile(future));
		}
	}

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
	 */
	public static void observed(Object future, Object result) {
		if (failureOf(result) != null) {
			handedOn(future);
		}
	}

	/**
	 * A future's failure was handed to a caller, maybe before the failing thread reported
	 * it.
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
	 */
	public static void observed(Object stage) {
		if (stage instanceof CompletableFuture) {
			observed(stage, RESULT.getVolatile(stage));
		}
	}

	/**
	 * Futures were combined by {@code allOf}: those already failed are handed on.
	 */
	public static void observed(Object[] futures, int lo, int hi) {
		if (futures != null) {
			int end = Math.min(hi, futures.length - 1);
			for (int i = Math.max(lo, 0); i <= end; i++) {
				observed(futures[i]);
			}
		}
	}

	/**
	 * Futures were combined by {@code anyOf}, which stops listening to the others once
	 * one completes: each is handed on, whether it fails before or after.
	 */
	public static void combined(Object[] futures) {
		FutureSink current = sink;
		if (current != null && futures != null) {
			try {
				for (Object future : futures) {
					current.observed(future);
				}
			}
			catch (Throwable ex) {
				// Never into the JDK's code.
			}
		}
	}

	/**
	 * Whether a {@code whenComplete} action is handed a failure, or is the JDK's own
	 * timeout canceller: either way a failure of the dependent is not the caller's to
	 * retrieve.
	 */
	public static boolean seenByAction(Object sourceResult, Object action) {
		return isCanceller(action) || failureOf(sourceResult) != null;
	}

	/**
	 * Whether a {@code whenComplete} action is the canceller that {@code orTimeout} and
	 * {@code completeOnTimeout} attach, which hands no failure to anyone.
	 */
	public static boolean isCanceller(Object action) {
		return action != null && action.getClass() == CANCELLER;
	}

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

	private static Throwable failureOf(Object result) {
		if (result == null || result == NIL || result.getClass() != ALT_RESULT) {
			return null;
		}
		return (Throwable) EX.get(result);
	}

}
