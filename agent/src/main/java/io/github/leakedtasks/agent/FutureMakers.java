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
 * task).
 * <p>
 * Read from the stack of the thread in the constructor, past the agent's frames: past
 * {@code CompletableFuture}'s constructor, the constructors of its subclasses, and
 * {@code failedFuture} or {@code failedStage}, the first frame is the code that made it.
 * The future is the JDK's own if that code is the JDK's (a class of the boot or platform
 * class loader: {@code CompletableFuture}'s other methods, the HTTP client's), a
 * subclass's {@code newIncompleteFuture} (which the JDK calls for a dependent stage), or
 * the engine's own throw-away future of {@code callAsync}. Reflection's frames are the
 * JDK's: a future made reflectively is not traced.
 *
 * @since 0.1.0
 */
final class FutureMakers {

	/**
	 * The frames a walk usually reads: the agent's five or so, the constructors, and the
	 * code that made the future.
	 */
	private static final int FRAMES_READ = 12;

	private static final StackWalker WALKER = StackWalker.getInstance(Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE),
			FRAMES_READ);

	private static final String CONSTRUCTOR = "<init>";

	/** The methods of {@code CompletableFuture} that make a future born failed. */
	private static final Set<String> BORN_FAILED = Set.of("failedFuture", "failedStage");

	/** The engine's code that makes a future of its own, nobody else sees. */
	private static final String ENGINES_OWN = "io.github.leakedtasks.tracking.TrackedCompletableFuture";

	private FutureMakers() {
	}

	/**
	 * Return whether the future being made on the current thread, called from the agent's
	 * hook in its constructor, is made by the application's or a library's code.
	 * @return whether it is
	 */
	static boolean madeByApplication() {
		return WALKER.walk(FutureMakers::byApplication);
	}

	private static boolean byApplication(Stream<StackFrame> frames) {
		boolean inConstructor = false;
		for (Iterator<StackFrame> iterator = frames.iterator(); iterator.hasNext();) {
			StackFrame frame = iterator.next();
			Class<?> type = frame.getDeclaringClass();
			String method = frame.getMethodName();
			if (!inConstructor) {
				inConstructor = type == CompletableFuture.class && CONSTRUCTOR.equals(method);
				continue;
			}
			boolean futures = CompletableFuture.class.isAssignableFrom(type);
			if (futures && (CONSTRUCTOR.equals(method)
					|| (type == CompletableFuture.class && BORN_FAILED.contains(method)))) {
				continue;
			}
			return !(futures && "newIncompleteFuture".equals(method)) && !isJdks(type)
					&& !ENGINES_OWN.equals(type.getName());
		}
		return false;
	}

	private static boolean isJdks(Class<?> type) {
		ClassLoader loader = type.getClassLoader();
		return loader == null || loader == ClassLoader.getPlatformClassLoader();
	}

}
