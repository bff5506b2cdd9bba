package io.github.leakedtasks.test;

import java.io.InterruptedIOException;
import java.lang.annotation.Annotation;
import java.lang.reflect.AnnotatedElement;
import java.lang.reflect.Method;
import java.net.SocketTimeoutException;
import java.nio.channels.ClosedByInterruptException;
import java.time.Duration;
import java.time.format.DateTimeParseException;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskScope;

/**
 * Opens the scope of a test and turns what its tasks lost into a failure, for the JUnit
 * extension and the Spring listener alike.
 *
 * @since 0.1.0
 */
final class TestScopes {

	/**
	 * Configuration parameter (or system property) that sets how long the end of a test
	 * waits for its tasks.
	 */
	static final String AWAIT_TIMEOUT = "leaked-tasks.test.await-timeout";

	static final Duration DEFAULT_AWAIT_TIMEOUT = Duration.ofSeconds(5);

	private static final Pattern SIMPLE_DURATION = Pattern.compile("([+-]?\\d+)(ns|us|ms|s|m|h|d)?");

	/**
	 * The longest the end of a class waits for its tasks, once its tests each waited.
	 */
	static final Duration MAX_CLASS_AWAIT = Duration.ofSeconds(2);

	/**
	 * The scopes opened for a test and not checked yet, with their test; removed when
	 * their test ends.
	 */
	private static final Map<TaskScope, OpenTest> UNCHECKED = new ConcurrentHashMap<>();

	private TestScopes() {
	}

	/**
	 * Open a scope for a test on this thread (one that does not allow leaks: the caller
	 * asked {@link #isAllowed} first), unless a scope is current already: the extension's
	 * or the listener's, whichever came first, owns the test, so that a leak fails it
	 * once.
	 * @param name the scope's name
	 * @param testMethod the test method
	 * @param timeout how long the test's end waits for its tasks
	 * @return the scope, or {@code null}
	 */
	static TaskScope open(String name, Method testMethod, Duration timeout) {
		if (TaskScope.current() != null) {
			return null;
		}
		TaskScope scope = TaskScope.open(name);
		UNCHECKED.put(scope, new OpenTest(scope, testMethod, timeout));
		return scope;
	}

	/**
	 * Return the test whose scope is current on this thread if it was opened for this
	 * test method and is not checked yet: the Spring listener checks the extension's
	 * scope of a test itself, with the extension's timeout, before the listeners after it
	 * may close the test's context (the extension, registered before Spring's, ends the
	 * test only after them).
	 * @param testMethod the test method
	 * @return the test, or {@code null}
	 */
	static OpenTest unchecked(Method testMethod) {
		TaskScope current = TaskScope.current();
		OpenTest open = (current != null) ? UNCHECKED.get(current) : null;
		return (open != null && testMethod != null && testMethod.equals(open.testMethod())) ? open : null;
	}

	/**
	 * The scope of a test, its method, and how long its end waits for its tasks.
	 */
	record OpenTest(TaskScope scope, Method testMethod, Duration timeout) {
	}

	/**
	 * Names of the exceptions that abort a test (a failed assumption): JUnit's own, and
	 * JUnit 4's for the Spring listener under its runner.
	 */
	private static final Set<String> ABORTING = Set.of("org.opentest4j.TestAbortedException",
			"org.junit.AssumptionViolatedException", "org.junit.internal.AssumptionViolatedException");

	/**
	 * Return whether a test ended aborted, by a failed assumption: it is skipped, not
	 * failed, for what its tasks lost (which the log still reports), and not waited for.
	 * Read by name: the Spring listener may run without opentest4j.
	 */
	static boolean isAborted(Throwable testException) {
		if (testException == null) {
			return false;
		}
		for (Class<?> type = testException.getClass(); type != null; type = type.getSuperclass()) {
			if (ABORTING.contains(type.getName())) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Close a test's scope and, unless it was checked already or its test was aborted,
	 * wait for its tasks and fail if any of them leaked.
	 * @param testException what the test threw, or {@code null}
	 */
	static void close(TaskScope scope, Duration timeout, Class<?> testClass, Throwable testException) {
		scope.close();
		if (UNCHECKED.remove(scope) == null || isAborted(testException)) {
			return;
		}
		check(scope, timeout, testClass);
	}

	/**
	 * Wait for the tasks of a closed scope, and fail if any of them leaked. A failure an
	 * interrupt caused is left to the log: the test or its {@code @AfterEach} stopped the
	 * task ({@code shutdownNow}, JUnit's own preemptive timeout), as the class's teardown
	 * does (see {@link #closeClass}).
	 */
	static void check(TaskScope scope, Duration timeout, Class<?> testClass) {
		await(scope, timeout);
		List<LeakReport> leaks = new ArrayList<>();
		for (LeakReport leak : scope.takeLeaks()) {
			if (!causedByInterrupt(leak.exception())) {
				leaks.add(leak);
			}
		}
		if (!leaks.isEmpty()) {
			throw LeakFailures.failure(leaks, testClass, null);
		}
	}

	/**
	 * Wait for a scope's tasks as long as the timeout says, even if the test left its
	 * thread interrupted (having caught an {@code InterruptedException} and set the flag
	 * again, as it should): the flag is cleared for the wait and set again after it.
	 */
	private static void await(TaskScope scope, Duration timeout) {
		boolean interrupted = Thread.interrupted();
		try {
			scope.awaitTasks(timeout);
		}
		finally {
			if (interrupted) {
				Thread.currentThread().interrupt();
			}
		}
	}

	/**
	 * Close a scope its test will not check.
	 */
	static void abandon(TaskScope scope) {
		scope.close();
		UNCHECKED.remove(scope);
	}

	/**
	 * Fail for the leaks of a class's tests found after their tests ended: a task still
	 * running when its test's wait ran out that failed since (waited for once more, now
	 * that the class's {@code @AfterAll} methods ran, up to the timeout and at most
	 * {@link #MAX_CLASS_AWAIT} for all the class's tests together), and a loss the
	 * collector confirmed. A failure an interrupt caused is left to the log: the class's
	 * teardown interrupts what its tests left running ({@code shutdownNow}, a Spring
	 * context closed).
	 * @param timeout the tests' await timeout
	 */
	static void closeClass(Iterable<TaskScope> scopes, Class<?> testClass, Duration timeout) {
		long start = System.nanoTime();
		long budget = (timeout.compareTo(MAX_CLASS_AWAIT) < 0) ? timeout.toNanos() : MAX_CLASS_AWAIT.toNanos();
		List<LeakReport> late = new ArrayList<>();
		for (TaskScope scope : scopes) {
			long left = budget - (System.nanoTime() - start);
			if (left > 0) {
				await(scope, Duration.ofNanos(left));
			}
			for (List<LeakReport> leaks : List.of(scope.takeLeaks(), scope.takeConfirmedLeaks())) {
				for (LeakReport leak : leaks) {
					if (!causedByInterrupt(leak.exception())) {
						late.add(leak);
					}
				}
			}
		}
		if (!late.isEmpty()) {
			throw LeakFailures.failure(late, testClass, "lost after their tests ended");
		}
	}

	/**
	 * Return whether an interrupt caused a failure: an {@code InterruptedException} (or
	 * {@code InterruptedIOException}, {@code ClosedByInterruptException}) in its causes.
	 * A {@code SocketTimeoutException}, though an {@code InterruptedIOException}, is a
	 * timeout that nobody's interrupt caused: a test that lost it fails.
	 */
	static boolean causedByInterrupt(Throwable failure) {
		Throwable cause = failure;
		for (int i = 0; cause != null && i < 32; i++) {
			if (cause instanceof InterruptedException
					|| (cause instanceof InterruptedIOException && !(cause instanceof SocketTimeoutException))
					|| cause instanceof ClosedByInterruptException) {
				return true;
			}
			try {
				cause = cause.getCause();
			}
			catch (Throwable unreadable) {
				// An application's exception whose getCause() throws.
				return false;
			}
		}
		return false;
	}

	static boolean isAllowed(Class<?> testClass, Method testMethod) {
		if (testMethod != null && isAllowing(testMethod)) {
			return true;
		}
		for (Class<?> type = testClass; type != null; type = type.getEnclosingClass()) {
			if (isAllowing(type)) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Return whether a test method or class carries {@link AllowLeakedTasks} as JUnit's
	 * {@code AnnotationSupport.isAnnotated} finds it: present, or meta-present at any
	 * depth, and for a class also on its interfaces and, the annotation being inherited,
	 * on its superclasses. With reflection alone: the Spring listener may run under JUnit
	 * 4, without JUnit's platform.
	 * @param element the test method or class
	 * @return whether it carries the annotation
	 */
	static boolean isAllowing(AnnotatedElement element) {
		return isAllowing(element, new HashSet<>());
	}

	private static boolean isAllowing(AnnotatedElement element, Set<AnnotatedElement> visited) {
		if (!visited.add(element)) {
			return false;
		}
		for (Annotation annotation : element.getDeclaredAnnotations()) {
			Class<? extends Annotation> type = annotation.annotationType();
			if (type == AllowLeakedTasks.class) {
				return true;
			}
			if (!type.getName().startsWith("java.lang.annotation.") && isAllowing(type, visited)) {
				return true;
			}
		}
		if (element instanceof Class<?> type) {
			for (Class<?> implemented : type.getInterfaces()) {
				if (isAllowing(implemented, visited)) {
					return true;
				}
			}
			Class<?> superclass = type.getSuperclass();
			return superclass != null && superclass != Object.class && isAllowing(superclass, visited);
		}
		return false;
	}

	/**
	 * Return the await timeout for a class's end: a value that is no duration failed
	 * every test of the class already, and the default serves.
	 */
	static Duration classTimeout(Optional<String> value) {
		try {
			return timeout(value);
		}
		catch (IllegalArgumentException ex) {
			return DEFAULT_AWAIT_TIMEOUT;
		}
	}

	static Duration timeout(Optional<String> value) {
		return value.or(() -> Optional.ofNullable(System.getProperty(AWAIT_TIMEOUT)))
			.map(TestScopes::parse)
			.orElse(DEFAULT_AWAIT_TIMEOUT);
	}

	/**
	 * Read a duration as Spring Boot reads one: a whole number with one of the units
	 * {@code ns}, {@code us}, {@code ms}, {@code s}, {@code m}, {@code h} or {@code d}
	 * (milliseconds without one), or ISO-8601 ({@code PT5S}); upper or lower case.
	 */
	static Duration parse(String value) {
		String trimmed = value.trim().toLowerCase(Locale.ROOT);
		Duration timeout;
		try {
			Matcher simple = SIMPLE_DURATION.matcher(trimmed);
			if (simple.matches()) {
				timeout = Duration.of(Long.parseLong(simple.group(1)), unit(simple.group(2)));
			}
			else {
				timeout = Duration.parse(trimmed);
			}
		}
		catch (ArithmeticException | NumberFormatException | DateTimeParseException ex) {
			throw new IllegalArgumentException(
					AWAIT_TIMEOUT + " must be a duration such as 5s, 500ms or PT5S, not '" + value + "'", ex);
		}
		if (timeout.isNegative()) {
			throw new IllegalArgumentException(AWAIT_TIMEOUT + " must not be negative, not '" + value + "'");
		}
		return timeout;
	}

	private static ChronoUnit unit(String unit) {
		if (unit == null) {
			return ChronoUnit.MILLIS;
		}
		return switch (unit) {
			case "ns" -> ChronoUnit.NANOS;
			case "us" -> ChronoUnit.MICROS;
			case "ms" -> ChronoUnit.MILLIS;
			case "s" -> ChronoUnit.SECONDS;
			case "m" -> ChronoUnit.MINUTES;
			case "h" -> ChronoUnit.HOURS;
			default -> ChronoUnit.DAYS;
		};
	}

	/**
	 * Says once that nothing in the JVM tracked tasks, so that no test could fail for a
	 * lost one: a missing {@code -javaagent}, or a Spring test slice without the starter,
	 * rather than tests that pass for no reason. Asked at the end of a run of tests the
	 * extension checked (not at a test's: a Spring context of a later test may still
	 * create the starter's tracker), and at the end of a Spring test class the listener
	 * checked, whose context was made before its tests ran.
	 */
	static final class NothingTracked {

		static final NothingTracked INSTANCE = new NothingTracked();

		static final String MESSAGE = "leaked-tasks: nothing in this JVM tracks tasks, so no test fails for a lost one: "
				+ "attach the Java agent (-javaagent:<path to leaked-tasks-agent.jar>), use the Spring Boot starter "
				+ "(which Spring test slices and @SpringJUnitConfig do not load by themselves: add "
				+ "@ImportAutoConfiguration(LeakedTasksAutoConfiguration.class)), "
				+ "or submit through executors a TaskTracker wrapped";

		/**
		 * Log a warning of the {@code System.Logger} {@code io.github.leakedtasks.test}.
		 */
		static void warn(String message) {
			System.getLogger("io.github.leakedtasks.test").log(System.Logger.Level.WARNING, message);
		}

		private final AtomicBoolean said = new AtomicBoolean();

		void check(BooleanSupplier anyTracker, Consumer<String> warning) {
			if (!anyTracker.getAsBoolean() && this.said.compareAndSet(false, true)) {
				warning.accept(MESSAGE);
			}
		}

	}

}
