package io.github.leakedtasks.tracking;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.function.Predicate;

/**
 * Where a task was created: the stack of the submitting thread, captured raw and rendered
 * only when reported.
 *
 * @since 0.1.0
 */
public final class CreationTrace {

	/**
	 * The engine's classes between the caller and the capture; their lambdas and nested
	 * classes follow a '$'.
	 */
	private static final List<String> ENGINE_CLASSES = List.of(CreationTrace.class.getName(),
			ExecutorTracking.class.getName(), TrackedExecutor.class.getName(), TrackedExecutorService.class.getName(),
			TrackedScheduledExecutorService.class.getName());

	/**
	 * Packages of the JDK and of frameworks, whose frames stand between an application's
	 * line and the task it created: an {@code @Async} event listener's trace starts deep
	 * inside Spring's event multicaster.
	 */
	private static final List<String> FRAMEWORK_PACKAGES = List.of("java.", "javax.", "jdk.", "sun.", "com.sun.",
			"jakarta.", "org.springframework.", "org.apache.", "io.micrometer.", "io.netty.", "reactor.", "kotlin.",
			"kotlinx.", "org.aopalliance.", byteBuddyPackage(), "org.junit.");

	/**
	 * The raw capture, until it is rendered: it refers to the classes of its frames, an
	 * application's, whose class loader a report kept in a long-lived engine (the
	 * agent's) would keep with it.
	 */
	private Throwable capture;

	private final int maxDepth;

	private final Predicate<String> internalFrames;

	private volatile List<StackTraceElement> frames;

	private CreationTrace(Throwable capture, int maxDepth, Predicate<String> internalFrames) {
		this.capture = capture;
		this.maxDepth = maxDepth;
		this.internalFrames = internalFrames;
	}

	static Throwable capture() {
		return new Capture();
	}

	/**
	 * Capture the stack rendered at once, for a task a class holds for good (a lambda
	 * that captures nothing): the raw capture refers to the classes of its frames, and
	 * kept with such a task in a weak map, it would keep the task's class, and so the
	 * task and the entry, for as long as the map lives. Costs a rendering per capture.
	 */
	static Throwable renderedCapture() {
		return new Rendered(new Capture().getStackTrace());
	}

	static CreationTrace of(Throwable capture, TrackingSettings settings) {
		return (capture != null) ? new CreationTrace(capture, settings.maxTraceDepth(), settings.internalFrames())
				: null;
	}

	/**
	 * Return the frames of the submitting thread, innermost first, starting at the caller
	 * of the executor.
	 * @return the frames, at most the configured depth
	 */
	public List<StackTraceElement> frames() {
		List<StackTraceElement> frames = this.frames;
		if (frames == null) {
			synchronized (this) {
				frames = this.frames;
				if (frames == null) {
					frames = render(this.capture);
					this.frames = frames;
					this.capture = null;
				}
			}
		}
		return frames;
	}

	/**
	 * Return the caller's frame, the first of {@link #frames()}, or {@code null} when no
	 * frame is left.
	 * @return the creation site
	 */
	public StackTraceElement site() {
		List<StackTraceElement> frames = frames();
		return frames.isEmpty() ? null : frames.get(0);
	}

	/**
	 * Return the application's frame that created the task: the first frame outside the
	 * JDK and the frameworks, or the caller's frame if every frame is theirs. Leaks are
	 * grouped by it.
	 * @return the origin, or {@code null} when no frame is left
	 */
	public StackTraceElement origin() {
		return origin(frames());
	}

	/**
	 * Return the first of the frames outside the JDK and the frameworks, or the first
	 * frame if every frame is theirs.
	 * @param frames the frames, innermost first
	 * @return the origin, or {@code null} when there is no frame
	 */
	static StackTraceElement origin(List<StackTraceElement> frames) {
		for (StackTraceElement frame : frames) {
			if (!isFramework(frame.getClassName())) {
				return frame;
			}
		}
		return frames.isEmpty() ? null : frames.get(0);
	}

	static boolean isFramework(String className) {
		for (String prefix : FRAMEWORK_PACKAGES) {
			if (className.startsWith(prefix)) {
				return true;
			}
		}
		return false;
	}

	private List<StackTraceElement> render(Throwable capture) {
		StackTraceElement[] all = capture.getStackTrace();
		int first = 0;
		while (first < all.length && isInternal(all[first])) {
			first++;
		}
		if (onlyThreadFrames(all, first)) {
			// Every frame is internal, but for the thread's own (a task the JDK or a
			// framework created on a pool's thread): the trace keeps the JDK's frames
			// rather than none or Thread.run alone.
			first = 0;
			while (first < all.length && !all[first].getClassName().startsWith("java.")) {
				first++;
			}
			if (first == all.length) {
				first = 0;
			}
		}
		// Without overflow: a depth of Integer.MAX_VALUE keeps every frame.
		int end = first + Math.min(all.length - first, this.maxDepth);
		List<StackTraceElement> frames = new ArrayList<>(end - first);
		for (int i = first; i < end; i++) {
			frames.add(all[i]);
		}
		return Collections.unmodifiableList(frames);
	}

	private static boolean onlyThreadFrames(StackTraceElement[] frames, int first) {
		for (int i = first; i < frames.length; i++) {
			if (!frames[i].getClassName().equals(Thread.class.getName())) {
				return false;
			}
		}
		return true;
	}

	private boolean isInternal(StackTraceElement frame) {
		String className = frame.getClassName();
		for (String engineClass : ENGINE_CLASSES) {
			if (className.startsWith(engineClass)
					&& (className.length() == engineClass.length() || className.charAt(engineClass.length()) == '$')) {
				return true;
			}
		}
		// JDK dynamic proxies stand between a caller and an executor behind an interface.
		return className.startsWith("jdk.proxy") || isInternalToTheSettings(className);
	}

	private boolean isInternalToTheSettings(String className) {
		try {
			return this.internalFrames.test(className);
		}
		catch (Throwable ex) {
			// The application's predicate, broken (an exception, or an error such as a
			// test's assertion): its frame is kept, and the report made.
			return false;
		}
	}

	/**
	 * Byte Buddy's package, made at run time: the agent's jar relocates Byte Buddy, and
	 * the shade plugin rewrites every string constant that names its package, which would
	 * leave an application's own copy of Byte Buddy out of the framework packages.
	 */
	private static String byteBuddyPackage() {
		return String.join(".", "net", "bytebuddy", "");
	}

	/**
	 * Raw stack capture; never thrown, never shown to the application.
	 */
	private static final class Capture extends Throwable {

		Capture() {
			super("Task created here", null, false, true);
		}

	}

	/**
	 * A capture's frames, without the raw stack that refers to their classes.
	 */
	private static final class Rendered extends Throwable {

		Rendered(StackTraceElement[] frames) {
			super("Task created here", null, false, true);
			setStackTrace(frames);
		}

		@Override
		public synchronized Throwable fillInStackTrace() {
			// The frames are set from a capture: no stack of this thread's is kept.
			return this;
		}

	}

}
