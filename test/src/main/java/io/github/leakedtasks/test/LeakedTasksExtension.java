package io.github.leakedtasks.test;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;

import io.github.leakedtasks.tracking.TaskScope;
import org.junit.jupiter.api.extension.AfterAllCallback;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.DynamicTestInvocationContext;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.extension.ExtensionContext.Namespace;
import org.junit.jupiter.api.extension.InvocationInterceptor;
import org.junit.jupiter.api.extension.ReflectiveInvocationContext;

/**
 * JUnit Jupiter extension that fails a test whose tasks lost a failure or were dropped,
 * once its own {@code @AfterEach} methods ran.
 * <p>
 * Register it with {@code @ExtendWith(LeakedTasksExtension.class)}, or for a whole suite
 * with {@code junit.jupiter.extensions.autodetection.enabled=true}. Every task created by
 * the test's thread, or by one of its tasks, belongs to the test; at its end the test
 * waits up to {@value TestScopes#AWAIT_TIMEOUT} (5 seconds by default) for them, then
 * fails for every failure they delivered that nobody retrieved and every task dropped. A
 * loss the collector confirms after the test ended fails its class.
 *
 * @since 0.1.0
 */
public class LeakedTasksExtension
		implements BeforeEachCallback, AfterEachCallback, AfterAllCallback, InvocationInterceptor {

	/**
	 * Create the extension; JUnit does.
	 */
	public LeakedTasksExtension() {
	}

	private static final Namespace NAMESPACE = Namespace.create(LeakedTasksExtension.class);

	private static final String SCOPE = "scope";

	private static final String END_OF_RUN = "endOfRun";

	@Override
	public void beforeEach(ExtensionContext context) {
		if (TestScopes.isAllowed(context.getRequiredTestClass(), context.getTestMethod().orElse(null))) {
			return;
		}
		// Read before the test runs, so that a value that is no duration fails every test
		// checked, before a scope is opened, rather than leave one open past a test.
		Duration timeout = TestScopes.timeout(context.getConfigurationParameter(TestScopes.AWAIT_TIMEOUT));
		TaskScope scope = TestScopes.open(context.getUniqueId(), context.getTestMethod().orElse(null), timeout);
		if (scope != null) {
			try {
				endOfRun(context);
				context.getStore(NAMESPACE).put(SCOPE, new OpenScope(scope, timeout));
			}
			catch (RuntimeException | Error ex) {
				TestScopes.abandon(scope);
				throw ex;
			}
		}
	}

	@Override
	public void afterEach(ExtensionContext context) {
		OpenScope open = context.getStore(NAMESPACE).remove(SCOPE, OpenScope.class);
		if (open == null) {
			return;
		}
		Throwable testException = context.getExecutionException().orElse(null);
		try {
			if (!TestScopes.isAborted(testException)) {
				classScopes(context).add(open.scope());
			}
		}
		finally {
			// Closed whatever happened: a scope left open would take the next tests on
			// this thread for another owner's, and leave them unchecked.
			TestScopes.close(open.scope(), open.timeout(), context.getRequiredTestClass(), testException);
		}
	}

	@Override
	public void interceptTestMethod(Invocation<Void> invocation, ReflectiveInvocationContext<Method> invocationContext,
			ExtensionContext context) throws Throwable {
		proceedInTestScope(invocation, context);
	}

	@Override
	public void interceptTestTemplateMethod(Invocation<Void> invocation,
			ReflectiveInvocationContext<Method> invocationContext, ExtensionContext context) throws Throwable {
		proceedInTestScope(invocation, context);
	}

	@Override
	public <T> T interceptTestFactoryMethod(Invocation<T> invocation,
			ReflectiveInvocationContext<Method> invocationContext, ExtensionContext context) throws Throwable {
		return proceedInTestScope(invocation, context);
	}

	@Override
	public void interceptBeforeEachMethod(Invocation<Void> invocation,
			ReflectiveInvocationContext<Method> invocationContext, ExtensionContext context) throws Throwable {
		proceedInTestScope(invocation, context);
	}

	@Override
	public void interceptAfterEachMethod(Invocation<Void> invocation,
			ReflectiveInvocationContext<Method> invocationContext, ExtensionContext context) throws Throwable {
		proceedInTestScope(invocation, context);
	}

	/**
	 * Run a test's method ({@code @Test}, a template's, a factory, {@code @BeforeEach},
	 * {@code @AfterEach}) with the test's scope current: JUnit runs it on a thread of its
	 * own under a {@code SEPARATE_THREAD} timeout ({@code @Timeout(threadMode = …)} or
	 * {@code junit.jupiter.execution.timeout.thread.mode.default}), whose tasks are the
	 * test's too.
	 */
	private static <T> T proceedInTestScope(Invocation<T> invocation, ExtensionContext context) throws Throwable {
		OpenScope open = context.getStore(NAMESPACE).get(SCOPE, OpenScope.class);
		TaskScope scope = (open != null && TaskScope.current() != open.scope()) ? open.scope() : null;
		TaskScope outer = TaskScope.enter(scope);
		try {
			return invocation.proceed();
		}
		finally {
			TaskScope.leave(scope, outer);
		}
	}

	/**
	 * Check each dynamic test of a {@code @TestFactory} on its own: JUnit runs the
	 * {@code beforeEach} and {@code afterEach} callbacks once around the factory, and, in
	 * concurrent mode, the dynamic tests on other threads after the factory's
	 * {@code afterEach}. The dynamic test's scope is opened within the factory's, if that
	 * is current, so that the dynamic test, not the factory, fails for what it lost.
	 */
	@Override
	public void interceptDynamicTest(Invocation<Void> invocation, DynamicTestInvocationContext invocationContext,
			ExtensionContext context) throws Throwable {
		// A dynamic test's context has neither a class nor a method of its own.
		Class<?> testClass = (Class<?>) classContext(context).getElement().orElse(null);
		if (TestScopes.isAllowed(testClass, factoryMethod(context))) {
			invocation.proceed();
			return;
		}
		Duration timeout = TestScopes.timeout(context.getConfigurationParameter(TestScopes.AWAIT_TIMEOUT));
		TaskScope scope = TaskScope.open(context.getUniqueId());
		try {
			invocation.proceed();
		}
		catch (Throwable ex) {
			scope.close();
			if (!TestScopes.isAborted(ex)) {
				try {
					classScopes(context).add(scope);
					TestScopes.check(scope, timeout, testClass);
				}
				catch (AssertionError leak) {
					ex.addSuppressed(leak);
				}
			}
			throw ex;
		}
		scope.close();
		classScopes(context).add(scope);
		TestScopes.check(scope, timeout, testClass);
	}

	/**
	 * Return the context of the test's class: the one whose element is the class.
	 */
	private static ExtensionContext classContext(ExtensionContext context) {
		ExtensionContext classContext = context;
		while (!(classContext.getElement().orElse(null) instanceof Class<?>) && classContext.getParent().isPresent()) {
			classContext = classContext.getParent().get();
		}
		// The invocations of a class template (a @ParameterizedClass) share the
		// template's context, whose afterAll is the one JUnit calls.
		Object testClass = classContext.getElement().orElse(null);
		while (testClass != null && classContext.getParent().isPresent()
				&& testClass.equals(classContext.getParent().get().getElement().orElse(null))) {
			classContext = classContext.getParent().get();
		}
		return classContext;
	}

	private static Method factoryMethod(ExtensionContext context) {
		for (ExtensionContext current = context; current != null; current = current.getParent().orElse(null)) {
			if (current.getTestMethod().isPresent()) {
				return current.getTestMethod().get();
			}
		}
		return null;
	}

	@Override
	public void afterAll(ExtensionContext context) {
		Queue<TaskScope> scopes = classScopes(context);
		ExtensionContext classContext = classContext(context);
		classContext.getStore(NAMESPACE).remove(new ClassScopes(classContext.getElement().orElse(null)));
		TestScopes.closeClass(scopes, context.getRequiredTestClass(),
				TestScopes.classTimeout(context.getConfigurationParameter(TestScopes.AWAIT_TIMEOUT)));
	}

	/**
	 * Return the scopes of the tests of the class, kept in the class's store so that
	 * parallel tests share them.
	 */
	@SuppressWarnings({ "unchecked", "deprecation" })
	private static Queue<TaskScope> classScopes(ExtensionContext context) {
		// getOrComputeIfAbsent, deprecated in JUnit 6 for computeIfAbsent, is in JUnit 5
		// too.
		// Keyed by the class: a store finds what its parents hold under the same key, and
		// a @Nested class's tests must not join the enclosing class's.
		ExtensionContext classContext = classContext(context);
		return classContext.getStore(NAMESPACE)
			.getOrComputeIfAbsent(new ClassScopes(classContext.getElement().orElse(null)),
					(key) -> new ConcurrentLinkedQueue<TaskScope>(), Queue.class);
	}

	/**
	 * The key of the scopes of a class's tests.
	 */
	private record ClassScopes(Object testClass) {
	}

	/**
	 * Have the run's end say whether anything tracked tasks, once: the root context's
	 * store closes what it holds when the run ends.
	 */
	@SuppressWarnings("deprecation")
	private static void endOfRun(ExtensionContext context) {
		context.getRoot().getStore(NAMESPACE).getOrComputeIfAbsent(END_OF_RUN, (key) -> new EndOfRun(), EndOfRun.class);
	}

	/**
	 * Closed by JUnit when the run ends, once: as an {@code AutoCloseable} where JUnit
	 * closes those (JUnit 6, and 5.14 checked), as a {@code CloseableResource} where it
	 * does not.
	 */
	@SuppressWarnings("deprecation")
	private static final class EndOfRun implements ExtensionContext.Store.CloseableResource, AutoCloseable {

		@Override
		public void close() {
			TestScopes.NothingTracked.INSTANCE.check(TaskScope::anyTracker, TestScopes.NothingTracked::warn);
		}

	}

	/**
	 * The scope of a test and how long its end waits for its tasks.
	 */
	private record OpenScope(TaskScope scope, Duration timeout) {
	}

}
