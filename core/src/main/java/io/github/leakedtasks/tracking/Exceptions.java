package io.github.leakedtasks.tracking;

/**
 * Reads an application's exception for a report without trusting it: its methods may
 * throw, and its cause chain may be cyclic.
 *
 * @since 0.1.0
 */
public final class Exceptions {

	private Exceptions() {
	}

	/**
	 * Return the exception's class name and message, as {@link Throwable#toString()}
	 * does, or only its class name if its message cannot be read.
	 * @param exception the exception
	 * @return the description
	 */
	public static String describe(Throwable exception) {
		if (exception == null) {
			return "null";
		}
		String message = message(exception);
		return (message != null) ? exception.getClass().getName() + ": " + message : exception.getClass().getName();
	}

	/**
	 * Return the exception's message, or {@code null} if it has none or reading it
	 * throws.
	 * @param exception the exception
	 * @return the message
	 */
	public static String message(Throwable exception) {
		try {
			return exception.getLocalizedMessage();
		}
		catch (Throwable ex) {
			return null;
		}
	}

	/**
	 * Return whether a logger can print the exception: the {@code toString()} and
	 * {@code getStackTrace()} of the exception and of each exception of its cause chains
	 * and suppressed exceptions (64 at most, each once) return without throwing. A logger
	 * that meets one that throws drops the whole line (the JDK's logging reports the
	 * first such error and then nothing), so such an exception is described in the line
	 * instead.
	 * @param exception the exception
	 * @return whether it can be printed
	 */
	public static boolean printable(Throwable exception) {
		try {
			java.util.Set<Throwable> seen = java.util.Collections.newSetFromMap(new java.util.IdentityHashMap<>());
			java.util.Deque<Throwable> pending = new java.util.ArrayDeque<>();
			pending.add(exception);
			while (!pending.isEmpty() && seen.size() < 64) {
				Throwable current = pending.poll();
				if (current == null || !seen.add(current)) {
					continue;
				}
				current.toString();
				current.getStackTrace();
				Throwable cause = current.getCause();
				if (cause != null) {
					pending.add(cause);
				}
				for (Throwable suppressed : current.getSuppressed()) {
					pending.add(suppressed);
				}
			}
			return true;
		}
		catch (Throwable ex) {
			return false;
		}
	}

	/**
	 * Return the exception's frames, or none if reading them throws.
	 * @param exception the exception
	 * @return the frames
	 */
	public static StackTraceElement[] stackTrace(Throwable exception) {
		try {
			StackTraceElement[] frames = exception.getStackTrace();
			if (frames == null) {
				return new StackTraceElement[0];
			}
			for (StackTraceElement frame : frames) {
				if (frame == null) {
					// An application's override: its frames, but for the missing ones.
					return java.util.Arrays.stream(frames)
						.filter(java.util.Objects::nonNull)
						.toArray(StackTraceElement[]::new);
				}
			}
			return frames;
		}
		catch (Throwable ex) {
			return new StackTraceElement[0];
		}
	}

}
