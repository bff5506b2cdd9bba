package io.github.leakedtasks.agent;

import java.lang.StackWalker.StackFrame;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Tells who made a {@code CompletableFuture} with {@code new} (or born failed, with
 * {@code failedFuture} or {@code failedStage}): the application or a library, whose
 * future is worth a creation trace, or the JDK's own code, which makes one for every
 * dependent stage, {@code supplyAsync}, {@code allOf} and {@code anyOf}, and whose
 * futures are described otherwise (a stage as its source, {@code supplyAsync}'s by its
 * task). {@code CompletableFuture}'s own methods say so before they make one (see
 * {@code CompletableFutureAdvice.NextIsOwn}); this tells the rest.
 * <p>
 * Read from the stack of the thread in the constructor, hidden frames included (so that a
 * method reference of the application's, such as {@code CompletableFuture::new} called by
 * a stream, is seen), past the agent's frames: past {@code CompletableFuture}'s
 * constructor, the constructors of its subclasses, {@code failedFuture} or
 * {@code failedStage}, and reflection's and method handles' frames, the first frame is
 * the code that made it. The future is the JDK's own if that code is the JDK's (a class
 * of the boot or platform class loader: the HTTP client's), if a subclass's
 * {@code newIncompleteFuture} (which the JDK calls for a dependent stage) is among the
 * next frames, or if it is the engine's own throw-away future of {@code callAsync}.
 *
 * @since 0.1.0
 */
final class FutureMakers {

	/**
	 * The frames a walk usually reads: the agent's five or so, the constructors, the code
	 * that made the future and a few of its callers.
	 */
	private static final int FRAMES_READ = 16;

	/**
	 * How many frames from the code that made a future on are read for a subclass's
	 * {@code newIncompleteFuture} that made it through a helper of its own.
	 */
	private static final int MAKER_DEPTH = 4;

	private static final StackWalker WALKER = StackWalker.getInstance(
			Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE, StackWalker.Option.SHOW_HIDDEN_FRAMES), FRAMES_READ);

	private static final String CONSTRUCTOR = "<init>";

	private static final String NEW_INCOMPLETE_FUTURE = "newIncompleteFuture";

	/** The methods of {@code CompletableFuture} that make a future born failed. */
	private static final Set<String> BORN_FAILED = Set.of("failedFuture", "failedStage");

	/** The engine's code that makes a future of its own, nobody else sees. */
	private static final String ENGINES_OWN = "io.github.leakedtasks.tracking.TrackedCompletableFuture";

	private FutureMakers() {
	}

	/** Not made by the application's code for itself. */
	static final int NOT_APPLICATIONS = 0;

	/** Made by the application's or a library's code. */
	static final int BY_APPLICATION = 1;

	/**
	 * A dependent stage a subclass's {@code newIncompleteFuture} made for a stage method
	 * the application's or a library's code called (see {@link #stageMadeByApplication}).
	 */
	static final int STAGE_OF_A_SUBCLASS = 2;

	/**
	 * Tell whether the future being made on the current thread, called from the agent's
	 * hook in its constructor, is made by the application's or a library's code, or is a
	 * stage a subclass's {@code newIncompleteFuture} made for a stage method the
	 * application called (the HTTP client's {@code MinimalFuture} for a stage added to
	 * {@code sendAsync}'s future).
	 * @return {@link #NOT_APPLICATIONS}, {@link #BY_APPLICATION} or
	 * {@link #STAGE_OF_A_SUBCLASS}
	 */
	static int madeByApplication() {
		return WALKER.walk(FutureMakers::byApplication);
	}

	private static int byApplication(Stream<StackFrame> frames) {
		for (Iterator<StackFrame> iterator = pastTheAgent(frames); iterator.hasNext();) {
			StackFrame frame = iterator.next();
			Class<?> type = frame.getDeclaringClass();
			String method = frame.getMethodName();
			if (JdkCompleters.isCallMachinery(type.getName()) || (isFutures(type) && (CONSTRUCTOR.equals(method)
					|| (type == CompletableFuture.class && BORN_FAILED.contains(method))))) {
				continue;
			}
			if (ENGINES_OWN.equals(type.getName())) {
				return NOT_APPLICATIONS;
			}
			if (isFutures(type) && NEW_INCOMPLETE_FUTURE.equals(method)) {
				return stageForApplication(iterator) ? STAGE_OF_A_SUBCLASS : NOT_APPLICATIONS;
			}
			return (!isJdks(type) && !madeForAStage(frame, iterator)) ? BY_APPLICATION : NOT_APPLICATIONS;
		}
		return NOT_APPLICATIONS;
	}

	/**
	 * Return whether the stage being made on the current thread by the JDK's
	 * {@code newIncompleteFuture} (or its {@code MinimalStage}'s), called from the
	 * agent's hook in its constructor, is made by one of {@code CompletableFuture}'s
	 * stage methods that the application's or a library's code called (see
	 * {@link #stageForApplication}).
	 * @return whether it is
	 */
	static boolean stageMadeByApplication() {
		return WALKER.walk(FutureMakers::stageByApplication);
	}

	private static boolean stageByApplication(Stream<StackFrame> frames) {
		for (Iterator<StackFrame> iterator = pastTheAgent(frames); iterator.hasNext();) {
			StackFrame frame = iterator.next();
			Class<?> type = frame.getDeclaringClass();
			String method = frame.getMethodName();
			if (isFutures(type) && CONSTRUCTOR.equals(method)) {
				continue;
			}
			return isFutures(type) && NEW_INCOMPLETE_FUTURE.equals(method) && stageForApplication(iterator);
		}
		return false;
	}

	/**
	 * Return the frames past the agent's and {@code CompletableFuture}'s constructor,
	 * whose caller comes next.
	 */
	private static Iterator<StackFrame> pastTheAgent(Stream<StackFrame> frames) {
		Iterator<StackFrame> iterator = frames.iterator();
		while (iterator.hasNext()) {
			StackFrame frame = iterator.next();
			if (frame.getDeclaringClass() == CompletableFuture.class && CONSTRUCTOR.equals(frame.getMethodName())) {
				break;
			}
		}
		return iterator;
	}

	/** The methods of {@code CompletableFuture} that add a stage of the JDK's own. */
	private static final Set<String> OWN_STAGES = Set.of("orTimeout", "completeOnTimeout");

	/**
	 * Whether the callers of a {@code newIncompleteFuture} frame are a stage method of
	 * {@code CompletableFuture}'s, which the application's or a library's code called:
	 * not the JDK's own code (the HTTP client's chains, the canceller stage
	 * {@code orTimeout} and {@code completeOnTimeout} add), and not a direct call of
	 * {@code newIncompleteFuture}, whose future is completed by hand.
	 */
	private static boolean stageForApplication(Iterator<StackFrame> callers) {
		if (!callers.hasNext()) {
			return false;
		}
		StackFrame frame = callers.next();
		while (NEW_INCOMPLETE_FUTURE.equals(frame.getMethodName()) && isFutures(frame.getDeclaringClass())
				&& callers.hasNext()) {
			// The bridge of a subclass's method that returns its own class.
			frame = callers.next();
		}
		if (frame.getDeclaringClass() != CompletableFuture.class) {
			// Called directly.
			return false;
		}
		String called = frame.getMethodName();
		while (callers.hasNext()) {
			frame = callers.next();
			Class<?> type = frame.getDeclaringClass();
			if (type == CompletableFuture.class) {
				called = frame.getMethodName();
			}
			if (JdkCompleters.isCallMachinery(type.getName()) || isFutures(type)) {
				continue;
			}
			return !isJdks(type) && !OWN_STAGES.contains(called);
		}
		return false;
	}

	/**
	 * Whether the code that made a future, or one of its next callers, is a subclass's
	 * {@code newIncompleteFuture}: the JDK's call for a dependent stage.
	 */
	private static boolean madeForAStage(StackFrame maker, Iterator<StackFrame> callers) {
		StackFrame frame = maker;
		for (int depth = 0; depth < MAKER_DEPTH; depth++) {
			if (NEW_INCOMPLETE_FUTURE.equals(frame.getMethodName()) && isFutures(frame.getDeclaringClass())) {
				return true;
			}
			if (!callers.hasNext()) {
				return false;
			}
			frame = callers.next();
		}
		return false;
	}

	private static boolean isFutures(Class<?> type) {
		return CompletableFuture.class.isAssignableFrom(type);
	}

	private static boolean isJdks(Class<?> type) {
		ClassLoader loader = type.getClassLoader();
		return loader == null || loader == ClassLoader.getPlatformClassLoader();
	}

}
