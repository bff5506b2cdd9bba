package io.github.leakedtasks.agent;

import java.lang.StackWalker.StackFrame;
import java.util.Iterator;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Finds the JDK's own code that failed a {@code CompletableFuture} itself: the JDK's HTTP
 * client fails its internal futures on a connect or request timeout, and drops some of
 * them, while the caller of {@code send} gets its exception as it should. Such a failure
 * is the JDK's, not the application's leak.
 * <p>
 * Read from the stack of the thread that completes the future, only when a future is
 * failed explicitly ({@code completeExceptionally}, {@code obtrudeException},
 * {@code failedFuture}, {@code failedStage}): past the agent's frames and those of the
 * future's own classes ({@code CompletableFuture}, its nested classes, and the classes
 * the future's class extends, such as the HTTP client's {@code MinimalFuture} and its
 * static factories), the first frame is the code that failed it. It is the JDK's own if
 * its class was defined by the boot or platform class loader outside the {@code java.}
 * and {@code javax.} packages: the JDK's implementation ({@code jdk.internal.},
 * {@code sun.}, {@code com.sun.}), not its public classes, whose completions are the
 * application's ({@code orTimeout}'s, and {@code SubmissionPublisher.consume}'s, run an
 * application's consumer), and not a library's. A failure handed on to a dependent stage
 * is the JDK's own only if it is a failure the JDK's own code made (above), or the stage
 * is of the JDK's own class (the HTTP client's stages are {@code MinimalFuture}s, and so
 * are the stages made on them), and the JDK's own code handed it on synchronously (the
 * first frame past the future's classes is the JDK's implementation, as when the client's
 * TLS code completes one input of an {@code allOf} whose other input failed): the client
 * runs the stages of the future {@code sendAsync} hands the application on the common
 * pool, below the JDK's public classes, so that what the application chains on it stays
 * the application's.
 *
 * @since 0.1.0
 */
final class JdkCompleters {

	private static final StackWalker WALKER = StackWalker.getInstance(StackWalker.Option.RETAIN_CLASS_REFERENCE);

	private static final String AGENT_PACKAGE = "io.github.leakedtasks.agent.";

	private static final String NESTED_IN_COMPLETABLE_FUTURE = CompletableFuture.class.getName() + "$";

	/** The methods of the future's classes that fail it explicitly. */
	private static final Set<String> EXPLICIT = Set.of("completeExceptionally", "obtrudeException", "failedFuture",
			"failedStage");

	private static final ClassLoader PLATFORM = ClassLoader.getPlatformClassLoader();

	private JdkCompleters() {
	}

	/**
	 * Return the class of the JDK's own code that failed a future on the current thread,
	 * called from the agent's hook in the future's completion.
	 * @param future the future
	 * @param explicit whether the future was failed explicitly; if not, a failure was
	 * handed on to it, which is the JDK's own only if the future is of the JDK's own
	 * class (the caller checks)
	 * @return the class, or {@code null} if the application, a library or the JDK's
	 * public classes failed it, or if it was not failed explicitly where it should be
	 */
	static Class<?> of(Object future, boolean explicit) {
		Class<?> futureClass = future.getClass();
		return WALKER.walk((frames) -> completer(frames, futureClass, !explicit));
	}

	private static Class<?> completer(Stream<StackFrame> frames, Class<?> futureClass, boolean handedOn) {
		boolean explicit = handedOn;
		boolean pastAgent = false;
		for (Iterator<StackFrame> iterator = frames.iterator(); iterator.hasNext();) {
			StackFrame frame = iterator.next();
			Class<?> type = frame.getDeclaringClass();
			String name = type.getName();
			if (!pastAgent && name.startsWith(AGENT_PACKAGE)) {
				continue;
			}
			pastAgent = true;
			if (isFuturesOwn(type, name, futureClass)) {
				explicit |= EXPLICIT.contains(frame.getMethodName());
				continue;
			}
			if (name.startsWith("jdk.internal.reflect.") || name.startsWith("java.lang.invoke.")) {
				continue;
			}
			return (explicit && isJdkImplementation(type, name)) ? type : null;
		}
		return null;
	}

	private static boolean isFuturesOwn(Class<?> type, String name, Class<?> futureClass) {
		return type == CompletableFuture.class || name.startsWith(NESTED_IN_COMPLETABLE_FUTURE)
				|| (type != Object.class && type.isAssignableFrom(futureClass));
	}

	/**
	 * Return whether a class is the JDK's implementation: defined by the boot or platform
	 * class loader, outside the {@code java.} and {@code javax.} packages.
	 * @param type the class
	 * @return whether it is
	 */
	static boolean isJdkImplementation(Class<?> type) {
		return isJdkImplementation(type, type.getName());
	}

	private static boolean isJdkImplementation(Class<?> type, String name) {
		ClassLoader loader = type.getClassLoader();
		return (loader == null || loader == PLATFORM) && !name.startsWith("java.") && !name.startsWith("javax.")
				&& !name.startsWith("jdk.proxy");
	}

}
