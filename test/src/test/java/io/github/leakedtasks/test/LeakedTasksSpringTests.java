package io.github.leakedtasks.test;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.atomic.AtomicReference;

import io.github.leakedtasks.autoconfigure.LeakedTasksAutoConfiguration;
import io.github.leakedtasks.tracking.TaskScope;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.Events;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.ApplicationRunner;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.ImportAutoConfiguration;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.AttributeAccessorSupport;
import org.springframework.core.Ordered;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.test.annotation.DirtiesContext.HierarchyMode;
import org.springframework.test.context.TestContext;
import org.springframework.test.context.TestExecutionListener;
import org.springframework.test.context.TestExecutionListeners;
import org.springframework.test.context.TestExecutionListeners.MergeMode;
import org.springframework.test.context.junit.jupiter.SpringJUnitConfig;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Tests of {@link LeakedTasksTestExecutionListener}: {@code @SpringBootTest} tests with
 * the starter's auto-configuration are checked without any annotation.
 */
class LeakedTasksSpringTests {

	@Test
	void springBootTestThatLeaksThroughAnAsyncMethodFails() {
		Events tests = Cases.run(AsyncCases.class).testEvents();
		assertThat(Cases.failureMessage(tests, "leaksThroughAsync"))
			.startsWith("Task exception was never retrieved: executor 'applicationTaskExecutor', task Mailer.send")
			.contains("\njava.lang.IllegalArgumentException: Invalid address: nobody\n")
			.contains("Task created at:\n\tat " + AsyncCases.class.getName()
					+ ".leaksThroughAsync(LeakedTasksSpringTests.java:");
	}

	@Test
	void springBootTestThatHandlesItsAsyncFailurePasses() {
		Events tests = Cases.run(AsyncCases.class).testEvents();
		Cases.assertSucceeded(tests, "handlesAsyncFailure");
	}

	@Test
	void failureLostWhileTheContextStartsIsNoTestsLeak() {
		Events tests = Cases.run(AsyncCases.class).testEvents();
		Cases.assertSucceeded(tests, "handlesAsyncFailure");
		assertThat(Cases.failureMessage(tests, "leaksThroughAsync")).doesNotContain("lost at start-up");
	}

	@Test
	void leakIsReportedOnceWhenTheExtensionIsRegisteredToo() {
		Events tests = Cases.run(AsyncWithExtensionCases.class).testEvents();
		String message = Cases.failureMessage(tests, "leaksThroughAsync");
		assertThat(message).startsWith("Task exception was never retrieved");
		assertThat(message.split("Task exception was never retrieved", -1)).hasSize(2);
		assertThat(tests.failed().count()).isOne();
	}

	/**
	 * The extension, registered before Spring's, ends a test after every listener; the
	 * listener checks the extension's scope itself, before the listeners after it (which
	 * may close the context and cancel or interrupt the test's tasks), and the leak fails
	 * the test once.
	 */
	@Test
	void listenerChecksTheExtensionsScopeBeforeTheListenersAfterIt() {
		ScopeProbe.seen.set(null);
		Events tests = Cases.run(AsyncWithExtensionCases.class).testEvents();
		assertThat(Cases.failureMessage(tests, "leaksThroughAsync").split("Task exception was never retrieved", -1))
			.hasSize(2);
		assertThat(ScopeProbe.seen).hasValue("closed");
	}

	@Test
	void testAbortedByAFailedAssumptionIsSkippedNotFailedForWhatItLost() {
		EngineExecutionResults results = Cases.run(AbortedAsyncCases.class);
		assertThat(results.testEvents().aborted().count()).isOne();
		assertThat(results.testEvents().failed().count()).isZero();
		assertThat(results.containerEvents().failed().count()).isZero();
	}

	/**
	 * What README tells the users of a test slice or {@code @SpringJUnitConfig}, which
	 * load no auto-configuration: importing the starter's has their tests checked.
	 */
	@Test
	void springJUnitConfigWithTheStartersAutoConfigurationImportedFailsTheLeakingTest() {
		Events tests = Cases.run(ImportedAutoConfigurationCases.class).testEvents();
		assertThat(Cases.failureMessage(tests, "leaksThroughAsync")).startsWith("Task exception was never retrieved: ")
			.contains("Invalid address: nobody");
	}

	@Test
	void classOfTestsCheckedWithNothingTrackingTasksWarnsOnce() throws Exception {
		List<String> warnings = new ArrayList<>();
		TestScopes.NothingTracked once = new TestScopes.NothingTracked();
		LeakedTasksTestExecutionListener nothing = new LeakedTasksTestExecutionListener(() -> false, once,
				warnings::add);
		runOneTest(nothing, AbortedAsyncCases.class);
		runOneTest(nothing, AsyncCases.class);
		assertThat(warnings).containsExactly(TestScopes.NothingTracked.MESSAGE);
		List<String> none = new ArrayList<>();
		runOneTest(new LeakedTasksTestExecutionListener(() -> true, new TestScopes.NothingTracked(), none::add),
				AsyncCases.class);
		assertThat(none).isEmpty();
	}

	/**
	 * The extension read its timeout from JUnit's configuration, which the listener
	 * cannot read: checking the extension's scope, the listener waits as long as the
	 * extension would have.
	 */
	@Test
	void listenerChecksTheExtensionsScopeWithTheExtensionsTimeout() throws Exception {
		Method testMethod = AsyncCases.class.getDeclaredMethods()[0];
		OneTest context = new OneTest(AsyncCases.class, testMethod);
		TaskScope extensions = TestScopes.open("the extension's", testMethod, Duration.ofMillis(1234));
		LeakedTasksTestExecutionListener listener = new LeakedTasksTestExecutionListener();
		try {
			listener.beforeTestMethod(context);
			assertThat(context.getAttribute(LeakedTasksTestExecutionListener.TIMEOUT))
				.isEqualTo(Duration.ofMillis(1234));
		}
		finally {
			listener.afterTestMethod(context);
			TestScopes.close(extensions, Duration.ZERO, AsyncCases.class, null);
		}
		assertThat(TaskScope.current()).isNull();
	}

	private static void runOneTest(LeakedTasksTestExecutionListener listener, Class<?> testClass) throws Exception {
		OneTest context = new OneTest(testClass, testClass.getDeclaredMethods()[0]);
		listener.beforeTestMethod(context);
		listener.afterTestMethod(context);
		listener.afterTestClass(context);
	}

	@Test
	void allowLeakedTasksOptsASpringTestOut() {
		Events tests = Cases.run(AllowedAsyncCases.class).testEvents();
		Cases.assertSucceeded(tests, "leaksOnPurpose");
	}

	/**
	 * The listener reads the system property only: a value that is no duration fails
	 * every test it checks, before it runs, and leaves no scope open.
	 */
	@Test
	void invalidAwaitTimeoutFailsEveryCheckedTest() {
		Events tests;
		System.setProperty(TestScopes.AWAIT_TIMEOUT, "bogus");
		try {
			tests = Cases.run(AsyncCases.class).testEvents();
		}
		finally {
			System.clearProperty(TestScopes.AWAIT_TIMEOUT);
		}
		for (String test : new String[] { "leaksThroughAsync", "handlesAsyncFailure" }) {
			assertThat(Cases.failureMessage(tests, test)).startsWith(TestScopes.AWAIT_TIMEOUT + " must")
				.contains("'bogus'");
		}
		assertThat(TaskScope.current()).isNull();
	}

	@SpringBootTest(classes = AsyncApplication.class)
	static class AsyncCases {

		@Autowired
		private Mailer mailer;

		@Test
		void leaksThroughAsync() {
			this.mailer.send("nobody");
		}

		@Test
		void handlesAsyncFailure() {
			assertThatExceptionOfType(CompletionException.class).isThrownBy(() -> this.mailer.send("nobody").join())
				.withCauseInstanceOf(IllegalArgumentException.class);
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	@SpringBootTest(classes = AsyncApplication.class)
	@TestExecutionListeners(listeners = ScopeProbe.class, mergeMode = MergeMode.MERGE_WITH_DEFAULTS)
	static class AsyncWithExtensionCases {

		@Autowired
		private Mailer mailer;

		@Test
		void leaksThroughAsync() {
			this.mailer.send("nobody");
		}

	}

	@SpringBootTest(classes = AsyncApplication.class)
	static class AbortedAsyncCases {

		@Autowired
		private Mailer mailer;

		@Test
		void losesThenAborts() {
			this.mailer.send("nobody");
			assumeTrue(false, "the mail server is down");
		}

	}

	@SpringJUnitConfig(ImportedAutoConfiguration.class)
	static class ImportedAutoConfigurationCases {

		@Autowired
		private Mailer mailer;

		@Test
		void leaksThroughAsync() {
			this.mailer.send("nobody");
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ImportAutoConfiguration({ LeakedTasksAutoConfiguration.class, TaskExecutionAutoConfiguration.class })
	@EnableAsync
	@Import(Mailer.class)
	static class ImportedAutoConfiguration {

	}

	/**
	 * The test context of one test of a class, with no application context.
	 */
	static final class OneTest extends AttributeAccessorSupport implements TestContext {

		private final Class<?> testClass;

		private final Method testMethod;

		OneTest(Class<?> testClass, Method testMethod) {
			this.testClass = testClass;
			this.testMethod = testMethod;
		}

		@Override
		public ApplicationContext getApplicationContext() {
			throw new IllegalStateException("no application context");
		}

		@Override
		public Class<?> getTestClass() {
			return this.testClass;
		}

		@Override
		public Object getTestInstance() {
			return null;
		}

		@Override
		public Method getTestMethod() {
			return this.testMethod;
		}

		@Override
		public Throwable getTestException() {
			return null;
		}

		@Override
		public void markApplicationContextDirty(HierarchyMode hierarchyMode) {
		}

		@Override
		public void updateState(Object testInstance, Method testMethod, Throwable testException) {
		}

	}

	/**
	 * Runs after {@link LeakedTasksTestExecutionListener} at a test's end, and notes
	 * whether the test's scope was still open then.
	 */
	public static class ScopeProbe implements TestExecutionListener, Ordered {

		static final AtomicReference<String> seen = new AtomicReference<>();

		@Override
		public int getOrder() {
			return 0;
		}

		@Override
		public void afterTestMethod(TestContext testContext) {
			seen.set((TaskScope.current() != null) ? "open" : "closed");
		}

	}

	@SpringBootTest(classes = AsyncApplication.class)
	@AllowLeakedTasks
	static class AllowedAsyncCases {

		@Autowired
		private Mailer mailer;

		@Test
		void leaksOnPurpose() {
			this.mailer.send("nobody");
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableAsync
	@Import(Mailer.class)
	static class AsyncApplication {

		/**
		 * Loses a failure while the context starts, which is no test's.
		 */
		@Bean
		ApplicationRunner loseAtStartUp(Mailer mailer) {
			return (arguments) -> mailer.send("lost at start-up");
		}

	}

	public static class Mailer {

		@Async
		public CompletableFuture<String> send(String address) {
			if (!address.contains("@")) {
				throw new IllegalArgumentException("Invalid address: " + address);
			}
			return CompletableFuture.completedFuture("sent to " + address);
		}

	}

}
