package io.github.leakedtasks.test;

import java.util.HashSet;
import java.util.List;
import java.util.Set;

import io.github.leakedtasks.tracking.CreationTrace;
import io.github.leakedtasks.tracking.Exceptions;
import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakMessages;
import io.github.leakedtasks.tracking.LeakReport;

/**
 * Renders the leaks of a test as its failure, worded like the log line.
 *
 * @since 0.1.0
 */
final class LeakFailures {

	private LeakFailures() {
	}

	/**
	 * Whether opentest4j, which JUnit 5 and 6 bring, is there: the Spring listener may
	 * run under JUnit 4 alone, where a plain {@code AssertionError} fails the test.
	 */
	private static final boolean OPENTEST4J = isPresent("org.opentest4j.AssertionFailedError");

	/**
	 * Return the failure for leaks: its message has each leak, its cause the first
	 * exception, and the others are suppressed.
	 * @param leaks the leaks, at least one
	 * @param testClass the test class, whose frames start and end the creation traces
	 * @param when when the leaks were found, or {@code null} at the end of their test
	 */
	static AssertionError failure(List<LeakReport> leaks, Class<?> testClass, String when) {
		StringBuilder message = new StringBuilder();
		if (leaks.size() > 1 || when != null) {
			message.append(leaks.size())
				.append((leaks.size() > 1) ? " tasks" : " task")
				.append(" leaked")
				.append((when != null) ? " (" + when + ")" : "")
				.append(":\n\n");
		}
		Throwable cause = null;
		for (int i = 0; i < leaks.size(); i++) {
			if (i > 0) {
				message.append("\n\n");
			}
			LeakReport leak = leaks.get(i);
			message.append(describe(leak, testClass));
			if (cause == null) {
				cause = leak.exception();
			}
		}
		AssertionError failure = OPENTEST4J ? Opentest4j.failure(message.toString(), cause)
				: new AssertionError(message.toString(), cause);
		// Where the failure was made (the extension, the test engine) says nothing, and
		// printed right after the creation trace it would read as part of it: the lost
		// exception, its cause, keeps its own.
		failure.setStackTrace(new StackTraceElement[0]);
		for (LeakReport leak : leaks) {
			if (leak.exception() != null && leak.exception() != cause) {
				failure.addSuppressed(leak.exception());
			}
		}
		return failure;
	}

	/**
	 * Describe one leak: the log line's first line, the exception, and the creation trace
	 * down to the test's own line.
	 */
	static String describe(LeakReport leak, Class<?> testClass) {
		String logLine = LeakMessages.describe(leak);
		int end = logLine.indexOf('\n');
		StringBuilder message = new StringBuilder((end > 0) ? logLine.substring(0, end) : logLine);
		if (leak.kind() == LeakKind.EXCEPTION_NOT_RETRIEVED && leak.exception() != null) {
			message.append('\n').append(Exceptions.describe(leak.exception()));
		}
		CreationTrace trace = leak.creationTrace();
		if (trace == null) {
			message.append("\nTask created at: (no trace captured)");
			return message.toString();
		}
		message.append("\nTask created at:");
		List<StackTraceElement> frames = trace.frames();
		// From where the task was created (the application's code the test called, say)
		// down to the test's own line; the frames of the test engine below it are left
		// out. Created by a task, not by the test itself: the whole trace.
		int last = indexOfTestFrame(frames, testClass);
		if (last < 0) {
			last = frames.size() - 1;
		}
		for (int i = 0; i <= last; i++) {
			message.append("\n\tat ").append(frames.get(i));
		}
		if (last < frames.size() - 1) {
			message.append("\n\t...");
		}
		return message.toString();
	}

	/**
	 * Return the index of the last frame of the test's class, a superclass or interface
	 * of it (where an inherited test method is declared), or a class nested in one of
	 * them, or -1.
	 */
	private static int indexOfTestFrame(List<StackTraceElement> frames, Class<?> testClass) {
		if (testClass == null) {
			return -1;
		}
		Set<String> tops = new HashSet<>();
		addTops(testClass, tops);
		int found = -1;
		for (int i = 0; i < frames.size(); i++) {
			String className = frames.get(i).getClassName();
			int dollar = className.indexOf('$');
			if (tops.contains((dollar > 0) ? className.substring(0, dollar) : className)) {
				found = i;
			}
		}
		return found;
	}

	private static void addTops(Class<?> type, Set<String> tops) {
		if (type == null || tops.size() > 64) {
			return;
		}
		String name = type.getName();
		if (name.startsWith("java.") || name.startsWith("javax.") || name.startsWith("jdk.")
				|| name.startsWith("org.junit.")) {
			return;
		}
		int dollar = name.indexOf('$');
		tops.add((dollar > 0) ? name.substring(0, dollar) : name);
		addTops(type.getSuperclass(), tops);
		for (Class<?> implemented : type.getInterfaces()) {
			addTops(implemented, tops);
		}
	}

	private static boolean isPresent(String className) {
		try {
			Class.forName(className, false, LeakFailures.class.getClassLoader());
			return true;
		}
		catch (Throwable ex) {
			return false;
		}
	}

	/**
	 * What needs opentest4j, loaded only where it is there.
	 */
	private static final class Opentest4j {

		static AssertionError failure(String message, Throwable cause) {
			return new org.opentest4j.AssertionFailedError(message, cause);
		}

	}

}
