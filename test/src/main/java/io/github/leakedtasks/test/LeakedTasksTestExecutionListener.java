package io.github.leakedtasks.test;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Map;
import java.util.Optional;
import java.util.Queue;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.function.BooleanSupplier;
import java.util.function.Consumer;

import io.github.leakedtasks.tracking.TaskScope;

import org.springframework.core.Ordered;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestExecutionListener;

/**
 * Spring {@link TestExecutionListener} that fails a test whose tasks lost a failure or
 * were dropped, as {@link LeakedTasksExtension} does, for every test with a Spring test
 * context: registered through {@code META-INF/spring.factories}, it needs no annotation.
 * When the extension is active too, a test is checked once, here: before the listeners
 * after this one, even when the extension started the test (with the extension's
 * timeout), which keeps the test's scope for its class's end.
 *
 * @since 0.1.0
 */
public class LeakedTasksTestExecutionListener implements TestExecutionListener, Ordered {

	private final BooleanSupplier anyTracker;

	private final TestScopes.NothingTracked nothingTracked;

	private final Consumer<String> warning;

	/**
	 * Create the listener; Spring does.
	 */
	public LeakedTasksTestExecutionListener() {
		this(TaskScope::anyTracker, TestScopes.NothingTracked.INSTANCE, TestScopes.NothingTracked::warn);
	}

	LeakedTasksTestExecutionListener(BooleanSupplier anyTracker, TestScopes.NothingTracked nothingTracked,
			Consumer<String> warning) {
		this.anyTracker = anyTracker;
		this.nothingTracked = nothingTracked;
		this.warning = warning;
	}

	private static final String SCOPE = LeakedTasksTestExecutionListener.class.getName() + ".scope";

	private static final String EXTENSIONS_SCOPE = LeakedTasksTestExecutionListener.class.getName()
			+ ".extensionsScope";

	static final String TIMEOUT = LeakedTasksTestExecutionListener.class.getName() + ".timeout";

	/**
	 * Scopes of the tests of each class: test contexts are copied per thread when tests
	 * run in parallel, so their attributes are not shared.
	 */
	private static final Map<Class<?>, Queue<TaskScope>> CLASS_SCOPES = new ConcurrentHashMap<>();

	/**
	 * Last of the listeners before a test and first after it, so that the test is checked
	 * before other listeners close its context.
	 */
	@Override
	public int getOrder() {
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void beforeTestMethod(TestContext testContext) {
		if (TestScopes.isAllowed(testContext.getTestClass(), testContext.getTestMethod())) {
			return;
		}
		// Read before the test runs, so that a value that is no duration fails every test
		// checked, before a scope is opened, rather than leave one open past a test.
		Duration timeout = TestScopes.timeout(Optional.empty());
		Method testMethod = testContext.getTestMethod();
		TaskScope scope = TestScopes.open(testContext.getTestClass().getName() + "#" + testMethod, testMethod, timeout);
		if (scope != null) {
			testContext.setAttribute(SCOPE, scope);
			testContext.setAttribute(TIMEOUT, timeout);
			return;
		}
		// The extension opened the test's scope: checked here all the same, with the
		// extension's timeout, before the listeners after this one (which may close the
		// context and so cancel or interrupt the test's tasks); the extension keeps it
		// for the class's end.
		TestScopes.OpenTest extensions = TestScopes.unchecked(testMethod);
		if (extensions != null) {
			testContext.setAttribute(EXTENSIONS_SCOPE, extensions.scope());
			testContext.setAttribute(TIMEOUT, extensions.timeout());
		}
	}

	@Override
	public void afterTestMethod(TestContext testContext) {
		Object timeout = testContext.removeAttribute(TIMEOUT);
		Object own = testContext.removeAttribute(SCOPE);
		Object extensions = testContext.removeAttribute(EXTENSIONS_SCOPE);
		TaskScope scope = (own instanceof TaskScope ownScope) ? ownScope
				: (extensions instanceof TaskScope extensionsScope) ? extensionsScope : null;
		if (scope == null) {
			return;
		}
		Throwable testException = testContext.getTestException();
		try {
			if (scope == own && !TestScopes.isAborted(testException)) {
				CLASS_SCOPES.computeIfAbsent(testContext.getTestClass(), (key) -> new ConcurrentLinkedQueue<>())
					.add(scope);
			}
		}
		finally {
			// Closed whatever happened, as the extension does.
			TestScopes.close(scope,
					(timeout instanceof Duration duration) ? duration : TestScopes.DEFAULT_AWAIT_TIMEOUT,
					testContext.getTestClass(), testException);
		}
	}

	@Override
	public void afterTestClass(TestContext testContext) {
		Queue<TaskScope> scopes = CLASS_SCOPES.remove(testContext.getTestClass());
		if (scopes != null) {
			// The class's context was made before its tests: had it the starter, or
			// were the agent attached, a tracker would exist by now.
			this.nothingTracked.check(this.anyTracker, this.warning);
			TestScopes.closeClass(scopes, testContext.getTestClass(), TestScopes.classTimeout(Optional.empty()));
		}
	}

}
