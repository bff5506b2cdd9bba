package io.github.leakedtasks.agent;

import java.lang.StackWalker.StackFrame;
import java.util.Iterator;
import java.util.List;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;

/**
 * Finds the JDK's own code that failed a {@code CompletableFuture} itself: the JDK's HTTP
 * client fails its internal futures on a connect timeout, a TLS handshake failure or a
 * request timeout, and drops some of them, while the caller of {@code send} gets its
 * exception as it should. Such a failure is the JDK's, not the application's leak.
 * <p>
 * Read from the stack of the thread that completes the future (hidden frames included, so
 * that a method reference of the application's is seen), only when a future is failed
 * explicitly ({@code completeExceptionally}, {@code obtrudeException}) or handed a
 * failure that may be the JDK's (see {@code EngineSink}): past the agent's frames, those
 * of {@code CompletableFuture} and its nested classes, those of the JDK's classes the
 * future's class extends (such as the HTTP client's {@code MinimalFuture}), and
 * reflection's and method handles', the first frame is the code that failed it. It is the
 * JDK's own if its class is the JDK's implementation: in a named module of the boot
 * layer, defined by the boot or platform class loader, outside the {@code java.} and
 * {@code javax.} packages ({@code jdk.internal.}, {@code sun.}, {@code com.sun.}). Not
 * the JDK's: the JDK's public classes, whose completions are the application's
 * ({@code orTimeout}'s; {@code SubmissionPublisher.consume}'s runs an application's
 * consumer), a library's, an application's subclass of {@code CompletableFuture} (its
 * frames end the walk), and a future born failed ({@code failedFuture},
 * {@code failedStage}, also the HTTP client's own), which is handed to its caller.
 * <p>
 * A library named in the {@code library-packages} setting is taken for the JDK's
 * implementation when its code fails a future of the JDK's class or of its own explicitly
 * (not an application's subclass, and not when its code hands a failure on to a stage:
 * such a stage is the application's, unless its function is the library's code, see
 * {@code EngineSink}), for the libraries that fail futures of their own and drop them
 * (Caffeine's {@code getAll} placeholders). Whoever made the future is not known: one the
 * application made and had the library fail is taken for the library's too.
 * <p>
 * The same walk finds a future failed while a class initializes: a class initializer
 * ({@code <clinit>}) among the first frames from the code that failed it on makes the
 * future maybe a constant of that class, a sentinel such as graphql-java's
 * {@code NoOpValueCache} keeps failed for good and hands out: watched, but never listed
 * as suspected while it is reachable.
 *
 * @since 0.1.0
 */
final class JdkCompleters {

	/**
	 * The frames a walk usually reads (the agent's five or so, the future's two or three,
	 * the code that failed it and five of its callers, for a class initializer): the
	 * walker's first batch is sized after it, so that a second, larger batch is fetched
	 * only past reflection's or method handles' frames.
	 */
	private static final int FRAMES_READ = 16;

	/**
	 * How many frames from the code that failed a future on are read for a class
	 * initializer.
	 */
	private static final int INITIALIZER_DEPTH = 6;

	private static final String INITIALIZER = "<clinit>";

	private static final StackWalker WALKER = StackWalker.getInstance(
			Set.of(StackWalker.Option.RETAIN_CLASS_REFERENCE, StackWalker.Option.SHOW_HIDDEN_FRAMES), FRAMES_READ);

	private static final String AGENT_PACKAGE = "io.github.leakedtasks.agent.";

	private static final String NESTED_IN_COMPLETABLE_FUTURE = CompletableFuture.class.getName() + "$";

	/** The methods of the future's classes that fail it explicitly. */
	private static final Set<String> EXPLICIT = Set.of("completeExceptionally", "obtrudeException");

	/** The methods of the future's classes that make a future born failed. */
	private static final Set<String> BORN_FAILED = Set.of("failedFuture", "failedStage");

	private static final ClassLoader PLATFORM = ClassLoader.getPlatformClassLoader();

	/**
	 * The {@code library-packages}, each with a trailing dot, set once as the agent
	 * starts.
	 */
	private static volatile String[] libraryPackages = new String[0];

	private JdkCompleters() {
	}

	/**
	 * Set the packages of the libraries whose explicit failures of futures are theirs.
	 * @param packages package names, without a trailing dot
	 */
	static void libraryPackages(List<String> packages) {
		libraryPackages = packages.stream().map((name) -> name + ".").toArray(String[]::new);
	}

	/**
	 * Return the code that failed a future on the current thread, if it is the JDK's own
	 * or a class initializer, called from the agent's hook in the future's completion.
	 * @param future the future
	 * @param explicit whether the future was failed explicitly or born failed; if not, a
	 * failure was handed on to it
	 * @return the JDK's own code, or the class whose initializer failed it, or
	 * {@code null} if the application, a library or the JDK's public classes failed it
	 * otherwise, or if a future failed explicitly was not failed by
	 * {@code completeExceptionally} or {@code obtrudeException} (or born failed)
	 */
	static Completer of(Object future, boolean explicit) {
		Class<?> futureClass = future.getClass();
		return WALKER.walk((frames) -> completer(frames, futureClass, !explicit));
	}

	private static Completer completer(Stream<StackFrame> frames, Class<?> futureClass, boolean handedOn) {
		boolean explicit = handedOn;
		boolean bornFailed = false;
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
				String method = frame.getMethodName();
				bornFailed |= BORN_FAILED.contains(method);
				explicit |= EXPLICIT.contains(method);
				continue;
			}
			if (isCallMachinery(name)) {
				continue;
			}
			if (!bornFailed && explicit && (isJdkImplementation(type, name)
					|| (!handedOn && isLibrarys(name) && isLibrarysFuture(futureClass)))) {
				return new Completer(type, false);
			}
			return initializer(frame, iterator);
		}
		return null;
	}

	/**
	 * Return the class initializer among the first frames from the code that failed a
	 * future on, reflection's and method handles' not counted, or {@code null}.
	 */
	private static Completer initializer(StackFrame completer, Iterator<StackFrame> callers) {
		StackFrame frame = completer;
		int depth = 0;
		while (true) {
			if (INITIALIZER.equals(frame.getMethodName())) {
				return new Completer(frame.getDeclaringClass(), true);
			}
			if (!isCallMachinery(frame.getClassName()) && ++depth >= INITIALIZER_DEPTH) {
				return null;
			}
			if (!callers.hasNext()) {
				return null;
			}
			frame = callers.next();
		}
	}

	/**
	 * Whether a future a library failed may be its own: of the JDK's class, or of a
	 * library's. An application's subclass is the application's, whoever fails it.
	 */
	private static boolean isLibrarysFuture(Class<?> futureClass) {
		return isJdks(futureClass) || isLibrarys(futureClass.getName());
	}

	/**
	 * Return whether {@code library-packages} names any library.
	 * @return whether it does
	 */
	static boolean namesLibraries() {
		return libraryPackages.length > 0;
	}

	/**
	 * Return whether a class, by its name, is of a library named in
	 * {@code library-packages}: the class of a stage's function (a lambda of the
	 * library's; a method reference the application wrote to a library's method is the
	 * application's lambda), of the code that completed a future or called a method.
	 * @param name the class's name
	 * @return whether it is
	 */
	static boolean isLibrarysName(String name) {
		return name != null && isLibrarys(name);
	}

	private static boolean isLibrarys(String name) {
		for (String prefix : libraryPackages) {
			if (name.startsWith(prefix)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Return whether a class, by its name, is reflection's or method handles': frames
	 * between a caller and what it called.
	 * @param name the class's name
	 * @return whether it is
	 */
	static boolean isCallMachinery(String name) {
		return name.startsWith("jdk.internal.reflect.") || name.startsWith("java.lang.invoke.")
				|| name.startsWith("java.lang.reflect.");
	}

	/**
	 * Whether a frame's class is the future's own: {@code CompletableFuture}, its nested
	 * classes, or a JDK class the future's class extends. An application's subclass is
	 * not: its code failing the future is the application's.
	 */
	private static boolean isFuturesOwn(Class<?> type, String name, Class<?> futureClass) {
		return type == CompletableFuture.class || name.startsWith(NESTED_IN_COMPLETABLE_FUTURE)
				|| (type != Object.class && type.isAssignableFrom(futureClass) && isJdks(type));
	}

	/**
	 * Return whether a class is the JDK's implementation: in a named module of the boot
	 * layer, defined by the boot or platform class loader, outside the {@code java.} and
	 * {@code javax.} packages.
	 * @param type the class
	 * @return whether it is
	 */
	static boolean isJdkImplementation(Class<?> type) {
		return isJdkImplementation(type, type.getName());
	}

	private static boolean isJdkImplementation(Class<?> type, String name) {
		return isJdks(type) && !name.startsWith("java.") && !name.startsWith("javax.");
	}

	/**
	 * Whether a class is the JDK's: in a named module of the boot layer (not a class
	 * appended to the boot class path, such as another agent's), defined by the boot or
	 * platform class loader.
	 */
	private static boolean isJdks(Class<?> type) {
		ClassLoader loader = type.getClassLoader();
		Module module = type.getModule();
		return (loader == null || loader == PLATFORM) && module.isNamed() && module.getLayer() == ModuleLayer.boot();
	}

	/**
	 * The code that failed a future: the JDK's own, or a class initializer.
	 *
	 * @param type the JDK's class, or the class being initialized
	 * @param initializer whether it is a class initializer
	 */
	record Completer(Class<?> type, boolean initializer) {

	}

}
