package io.github.leakedtasks.test;

import java.time.Duration;
import java.util.Map;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.CyclicBarrier;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;
import java.util.regex.Pattern;
import java.util.stream.Stream;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.SharedTracker;
import io.github.leakedtasks.tracking.TaskScope;
import io.github.leakedtasks.tracking.TaskTracker;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Nested;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.RepeatedTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.jupiter.api.parallel.Execution;
import org.junit.jupiter.api.parallel.ExecutionMode;
import org.junit.jupiter.params.Parameter;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.Events;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;
import static org.junit.jupiter.api.Assumptions.assumeTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;

/**
 * Tests of {@link LeakedTasksExtension}, run with JUnit's {@code EngineTestKit} on the
 * test classes nested here.
 */
class LeakedTasksExtensionTests {

	@Test
	void leakingTestFailsWithTheLogLineAndItsOwnLineFirstInTheCreationTrace() {
		Events tests = Cases.run(LeakingCases.class).testEvents();
		String message = Cases.failureMessage(tests, "leaks");
		assertThat(message).startsWith("Task exception was never retrieved: executor 'cases', task ")
			.contains("\njava.lang.IllegalStateException: boom\n")
			.contains("Task created at:\n\tat " + LeakingCases.class.getName()
					+ ".leaks(LeakedTasksExtensionTests.java:");
		// Printed right after the creation trace, the failure's own frames (the
		// extension's, the test engine's) would read as part of it: it has none.
		Throwable failure = Cases.finished(tests, "leaks")
			.getRequiredPayload(TestExecutionResult.class)
			.getThrowable()
			.orElseThrow();
		assertThat(failure.getStackTrace()).isEmpty();
		assertThat(failure.getCause()).hasMessage("boom");
	}

	@Test
	void withTheAgentAloneAFailureThatComesAfterTheTestsLastLineFailsTheTest() {
		// Run by CI with the agent attached; without it no JDK future is tracked.
		assumeTrue(SharedTracker.get().isPresent(), "needs the leaked-tasks agent");
		Events tests = Cases.run(AgentOnlyCases.class).testEvents();
		assertThat(Cases.failureMessage(tests, "losesOnAPlainPool")).startsWith("Task exception was never retrieved: ")
			.contains("boom plain pool")
			.contains("\tat " + AgentOnlyCases.class.getName() + ".losesOnAPlainPool(LeakedTasksExtensionTests.java:");
		assertThat(Cases.failureMessage(tests, "losesThroughRunAsync")).contains("boom runAsync")
			.doesNotContain("boom plain pool");
		// A stage's own function that throws on the pool's thread, once the task it was
		// added to completed, or an async stage's: the test's, traced where it chained
		// it.
		assertThat(Cases.failureMessage(tests, "losesInAStageOfATaskStillRunning")).contains("boom stage")
			.contains("submitted by thread '")
			.contains("\tat " + AgentOnlyCases.class.getName()
					+ ".losesInAStageOfATaskStillRunning(LeakedTasksExtensionTests.java:");
		assertThat(Cases.failureMessage(tests, "losesInAnAsyncStage")).contains("boom async stage")
			.contains(
					"\tat " + AgentOnlyCases.class.getName() + ".losesInAnAsyncStage(LeakedTasksExtensionTests.java:");
		Cases.assertSucceeded(tests, "handles");
		Cases.assertSucceeded(tests, "handlesAStagesFailure");
	}

	/**
	 * A chain on a task of the test is the test's: the stage that fails with the task's
	 * failure, after the task failed, fails the test; one whose task fails once the test
	 * waits at its end fails the test or, if its stage's failure comes after the wait,
	 * the class.
	 */
	@Test
	void withTheAgentAloneAChainOnATestsTaskIsTheTests() {
		assumeTrue(SharedTracker.get().isPresent(), "needs the leaked-tasks agent");
		EngineExecutionResults results = Cases.run(AgentChainCases.class);
		Events tests = results.testEvents();
		assertThat(Cases.failureMessage(tests, "losesThroughAChainOnAFailedTask")).contains("boom chain failed")
			.contains("\tat " + AgentChainCases.class.getName() + ".losesThroughAChainOnAFailedTask(");
		String classFailure = results.containerEvents()
			.failed()
			.stream()
			.map((event) -> event.getRequiredPayload(TestExecutionResult.class)
				.getThrowable()
				.orElseThrow()
				.getMessage())
			.findFirst()
			.orElse("");
		String pending = tests.failed()
			.stream()
			.filter((
					event) -> event.getTestDescriptor().getDisplayName().startsWith("losesThroughAChainOnAPendingTask"))
			.map((event) -> event.getRequiredPayload(TestExecutionResult.class)
				.getThrowable()
				.orElseThrow()
				.getMessage())
			.findFirst()
			.orElse(classFailure);
		assertThat(pending).contains("boom chain pending");
	}

	@Test
	void testAbortedByAFailedAssumptionIsSkippedNotFailedForWhatItLost() {
		EngineExecutionResults results = Cases.run(AbortedCases.class);
		assertThat(results.testEvents().aborted().count()).isOne();
		assertThat(results.testEvents().failed().count()).isZero();
		assertThat(results.containerEvents().failed().count()).isZero();
	}

	@Test
	void eachDynamicTestOfAFactoryIsCheckedOnItsOwn() {
		assertEachDynamicTestChecked(Cases.run(FactoryCases.class));
	}

	/**
	 * JUnit runs the dynamic tests of a concurrent factory on other threads, after the
	 * factory's afterEach.
	 */
	@Test
	void eachDynamicTestOfAConcurrentFactoryIsCheckedOnItsOwn() {
		assertEachDynamicTestChecked(Cases.run(ConcurrentFactoryCases.class,
				Map.of("junit.jupiter.execution.parallel.enabled", "true",
						"junit.jupiter.execution.parallel.config.strategy", "fixed",
						"junit.jupiter.execution.parallel.config.fixed.parallelism", "4")));
	}

	private static void assertEachDynamicTestChecked(EngineExecutionResults results) {
		Events tests = results.testEvents();
		assertThat(tests.failed().stream()).singleElement().satisfies((event) -> {
			assertThat(event.getTestDescriptor().getDisplayName()).isEqualTo("leaksDynamically");
			assertThat(event.getPayload(TestExecutionResult.class)
				.flatMap(TestExecutionResult::getThrowable)
				.map(Throwable::getMessage)
				.orElse("")).startsWith("Task exception was never retrieved").contains("boom dynamic");
		});
		assertThat(tests.succeeded().stream().map((event) -> event.getTestDescriptor().getDisplayName()))
			.containsExactlyInAnyOrder("retrievesDynamically", "throwsDynamically");
		assertThat(results.containerEvents().failed().count()).as("neither the factory nor the class").isZero();
	}

	@Test
	void testThatRetrievesTheFailurePasses() {
		Events tests = Cases.run(LeakingCases.class).testEvents();
		Cases.assertSucceeded(tests, "retrieves");
		Cases.assertSucceeded(tests, "succeeds");
	}

	@Test
	void failureRetrievedInTheTestsOwnAfterEachIsNotALeak() {
		Events tests = Cases.run(AfterEachCases.class).testEvents();
		Cases.assertSucceeded(tests, "leavesItsFutureToAfterEach");
	}

	@Test
	void testAfterALeakingOneIsNotBlamedAndALateLossFailsTheClass() {
		EngineExecutionResults results = Cases.run(SequenceCases.class, Map.of(TestScopes.AWAIT_TIMEOUT, "5s"));
		Events tests = results.testEvents();
		// The trace runs from where the task was created, a helper the test called, down
		// to the test's own line.
		assertThat(Cases.failureMessage(tests, "leaksAtOnce")).contains("boom first")
			.doesNotContain("boom late")
			.containsPattern("Task created at:\\n\\tat " + Pattern.quote(Cases.class.getName())
					+ "\\.loseFailure\\(Cases\\.java:\\d+\\)\\n\\tat " + Pattern.quote(SequenceCases.class.getName())
					+ "\\.leaksAtOnce\\(LeakedTasksExtensionTests\\.java:\\d+\\)\\n\\t\\.\\.\\.");
		Cases.assertSucceeded(tests, "leavesATaskRunning");
		Cases.assertSucceeded(tests, "innocentWhileTheLateFailureIsConfirmed");
		Throwable classFailure = results.containerEvents()
			.failed()
			.stream()
			.map((event) -> event.getRequiredPayload(org.junit.platform.engine.TestExecutionResult.class))
			.findFirst()
			.orElseThrow()
			.getThrowable()
			.orElseThrow();
		assertThat(classFailure.getMessage()).contains("lost after their tests ended")
			.contains("boom late")
			.doesNotContain("boom first");
	}

	/**
	 * JUnit runs a test's body on a thread of its own under a {@code SEPARATE_THREAD}
	 * timeout: the tasks it creates there are the test's.
	 */
	@Test
	void testWhoseBodyRunsOnASeparateThreadForItsTimeoutIsChecked() {
		Events tests = Cases.run(SeparateThreadCases.class).testEvents();
		assertThat(Cases.failureMessage(tests, "losesOnItsTimeoutsThread")).contains("boom separate thread");
		assertThat(Cases.failureMessage(tests, "losesInARepetition")).contains("boom repeated");
		EngineExecutionResults results = Cases.run(DefaultTimeoutCases.class,
				Map.of("junit.jupiter.execution.timeout.default", "60s",
						"junit.jupiter.execution.timeout.thread.mode.default", "SEPARATE_THREAD"));
		Events byDefault = results.testEvents();
		assertThat(Cases.failureMessage(results.containerEvents(), "losesInAFactory")).contains("boom in a factory");
		assertThat(Cases.failureMessage(byDefault, "losesOnTheDefaultTimeoutsThread"))
			.contains("boom default separate thread")
			.contains("boom before each")
			.contains("boom after each");
		assertThat(Cases.failureMessage(byDefault, "losesNothing")).contains("boom before each")
			.contains("boom after each");
	}

	@Test
	void creationTraceOfAnInheritedTestEndsAtTheTestsOwnLine() {
		Events tests = Cases.run(InheritingCases.class).testEvents();
		assertThat(Cases.failureMessage(tests, "leaksFromTheBase")).contains("boom inherited")
			.containsPattern("\\n\\tat " + Pattern.quote(InheritedCasesBase.class.getName())
					+ "\\.leaksFromTheBase\\(InheritedCasesBase\\.java:\\d+\\)\\n\\t\\.\\.\\.$");
	}

	/**
	 * A task still running when its test's wait ran out, which fails once the class's
	 * {@code @AfterAll} let it: the class's end waits for it once more, and fails the
	 * class, with no collection needed (the class's only test passed). Waits of two
	 * seconds, of which the task, once let go, needs a moment.
	 */
	@Test
	void failureThatComesAfterTheTestsWaitFailsTheClassAtItsEnd() {
		EngineExecutionResults results = runWithWait(LateLossCases.class, () -> LateLossCases.tracker, "2s");
		Cases.assertSucceeded(results.testEvents(), "leavesATaskWaitingForAfterAll");
		assertThat(results.containerEvents().failed().stream()).singleElement()
			.satisfies((event) -> assertThat(
					event.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow().getMessage())
				.contains("lost after their tests ended")
				.contains("boom after all"));
	}

	/**
	 * A task an enclosing class's test left running fails while a {@code @Nested} class's
	 * test runs: the enclosing class fails at its end, not the nested class (whose tests
	 * lost nothing), allowed to leak or not.
	 */
	@ParameterizedTest
	@ValueSource(classes = { NestedLateCases.class, AllowingNestedLateCases.class })
	void lateLossOfAnEnclosingClassesTestFailsThatClassNotTheNestedOne(Class<?> cases) {
		EngineExecutionResults results = Cases.run(cases, Map.of(TestScopes.AWAIT_TIMEOUT, "200ms"));
		Cases.assertSucceeded(results.testEvents(), "leavesATaskRunning");
		Cases.assertSucceeded(results.testEvents(), "releasesItAndSeesItFail");
		assertThat(results.containerEvents().failed().stream()).singleElement().satisfies((event) -> {
			assertThat(event.getTestDescriptor().getDisplayName()).endsWith("$" + cases.getSimpleName());
			assertThat(event.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow().getMessage())
				.contains("lost after their tests ended")
				.contains("boom enclosing late");
		});
	}

	/**
	 * The tests of a {@code @ParameterizedClass} lose a task each, found only once their
	 * tests ended: the class fails at its end.
	 */
	@Test
	void lateLossOfAParameterizedClassesTestFailsTheClass() {
		EngineExecutionResults results;
		try {
			results = runWithShortWait(ParameterizedLateCases.class, () -> ParameterizedLateCases.tracker);
		}
		finally {
			ParameterizedLateCases.pool.shutdown();
		}
		assertThat(results.containerEvents()
			.failed()
			.stream()
			.map((event) -> event.getRequiredPayload(TestExecutionResult.class)
				.getThrowable()
				.orElseThrow()
				.getMessage()))
			.singleElement()
			.asString()
			.contains("lost after their tests ended")
			.contains("boom parameterized 1")
			.contains("boom parameterized 2");
	}

	/**
	 * The class's teardown interrupts what a test left running: the failure that causes
	 * is the teardown's, left to the log, not the class's.
	 */
	@Test
	void failureAnInterruptCausedAfterTheTestsEndedDoesNotFailTheClass() {
		EngineExecutionResults results = runWithShortWait(InterruptedAtTeardownCases.class,
				() -> InterruptedAtTeardownCases.tracker);
		Cases.assertSucceeded(results.testEvents(), "leavesATaskWaiting");
		assertThat(InterruptedAtTeardownCases.interrupted.getCount()).as("the task was interrupted").isZero();
		assertThat(results.containerEvents().failed().count()).isZero();
	}

	/**
	 * A test's {@code @AfterEach} interrupts what it left running, as the class's
	 * teardown may: the failure that causes is left to the log, and a failure the test
	 * lost besides still fails it.
	 */
	@Test
	void failureAnInterruptCausedDoesNotFailTheTest() {
		EngineExecutionResults results = runWithShortWait(InterruptedAfterEachCases.class,
				() -> InterruptedAfterEachCases.tracker);
		Cases.assertSucceeded(results.testEvents(), "leavesATaskWaiting");
		assertThat(Cases.failureMessage(results.testEvents(), "losesAFailureAndLeavesATaskWaiting"))
			.contains("boom besides the interrupt")
			.doesNotContain("InterruptedException");
		assertThat(InterruptedAfterEachCases.interrupted.getCount()).as("both tasks were interrupted").isZero();
		assertThat(results.containerEvents().failed().count()).isZero();
	}

	/**
	 * Run a class of cases whose tests wait 200 ms at most for their tasks, and close the
	 * tracker it made.
	 */
	private static EngineExecutionResults runWithShortWait(Class<?> cases, Supplier<TaskTracker> tracker) {
		return runWithWait(cases, tracker, "200ms");
	}

	/**
	 * Run a class of cases whose tests wait for their tasks as long as given at most, and
	 * close the tracker it made.
	 */
	private static EngineExecutionResults runWithWait(Class<?> cases, Supplier<TaskTracker> tracker, String wait) {
		try {
			return Cases.run(cases, Map.of(TestScopes.AWAIT_TIMEOUT, wait));
		}
		finally {
			tracker.get().close();
		}
	}

	/**
	 * A test that leaves its thread interrupted, as code that caught an
	 * InterruptedException should: its end still waits for its tasks, and keeps the
	 * interrupt.
	 */
	@Test
	void testThatLeavesItsThreadInterruptedIsStillWaitedForAndChecked() {
		Events tests = Cases.run(InterruptedTestCases.class).testEvents();
		assertThat(Cases.failureMessage(tests, "losesAndLeavesItsThreadInterrupted")).contains("boom interrupted");
		assertThat(InterruptedTestCases.interruptKept).isTrue();
	}

	@Test
	void parallelTestsAreBlamedForTheirOwnTasksOnly() {
		Events tests = Cases.run(ParallelCases.class,
				Map.of("junit.jupiter.execution.parallel.enabled", "true",
						"junit.jupiter.execution.parallel.config.strategy", "fixed",
						"junit.jupiter.execution.parallel.config.fixed.parallelism", "4"))
			.testEvents();
		assertThat(Cases.failureMessage(tests, "leaksA")).contains("boom A")
			.doesNotContain("boom B")
			.doesNotContain("boom C")
			.doesNotContain("boom D");
		assertThat(Cases.failureMessage(tests, "leaksB")).contains("boom B")
			.doesNotContain("boom A")
			.doesNotContain("boom C")
			.doesNotContain("boom D");
		Cases.assertSucceeded(tests, "retrievesC");
		assertThat(Cases.failureMessage(tests, "leaksDFromInsideATask")).contains("boom D")
			.doesNotContain("boom A")
			.doesNotContain("boom B")
			.doesNotContain("boom C");
	}

	@Test
	void taskSubmittedFromInsideATaskBelongsToTheTestThatCreatedTheOuterOne() {
		Events tests = Cases.run(NestedCases.class).testEvents();
		assertThat(Cases.failureMessage(tests, "leaksFromInsideATask")).contains("boom inner")
			.contains("submitted by thread 'pool-");
	}

	@Test
	void droppedTaskFailsTheTest() {
		Events tests = Cases.run(DroppingCases.class, Map.of(TestScopes.AWAIT_TIMEOUT, "60s")).testEvents();
		assertThat(Cases.failureMessage(tests, "dropsATask"))
			.startsWith("Task was dropped while pending and will never run: executor 'discarding'")
			.contains("\tat " + DroppingCases.class.getName() + ".dropsATask(LeakedTasksExtensionTests.java:");
	}

	@Test
	void extensionIsRegisteredForASuiteByJUnitsAutoDetection() {
		Events tests = Cases
			.run(UnannotatedCases.class, Map.of("junit.jupiter.extensions.autodetection.enabled", "true"))
			.testEvents();
		assertThat(Cases.failureMessage(tests, "leaks")).contains("boom unannotated");
	}

	@Test
	void allowLeakedTasksOnAMethodLetsItLeak() {
		Events tests = Cases.run(AllowedMethodCases.class).testEvents();
		Cases.assertSucceeded(tests, "leaksOnPurpose");
		assertThat(Cases.failureMessage(tests, "leaksByMistake")).contains("boom by mistake");
	}

	@Test
	void allowLeakedTasksOnAClassLetsEveryTestLeak() {
		Events tests = Cases.run(AllowedClassCases.class).testEvents();
		Cases.assertSucceeded(tests, "leaksOnPurpose");
		Cases.assertSucceeded(tests, "leaksOnPurposeToo");
	}

	/**
	 * A value that is no duration fails every test the extension checks, before it runs,
	 * and leaves no scope open: one left open past a test would take the next tests for
	 * another owner's and let them leak unchecked.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "bogus", "-1s" })
	void invalidAwaitTimeoutFailsEveryCheckedTestAndLeavesNoScopeOpen(String value) {
		Events tests = Cases.run(InvalidTimeoutCases.class, Map.of(TestScopes.AWAIT_TIMEOUT, value)).testEvents();
		for (String test : new String[] { "first", "second", "third" }) {
			assertThat(Cases.failureMessage(tests, test)).startsWith(TestScopes.AWAIT_TIMEOUT + " must")
				.contains("'" + value + "'");
		}
		Cases.assertSucceeded(tests, "allowed");
		// The checked tests failed before their bodies ran.
		assertThat(InvalidTimeoutCases.ran).containsExactly("allowed");
		assertThat(TaskScope.current()).isNull();
	}

	static class UnannotatedCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@Test
		void leaks() {
			Cases.loseFailure(pool, "boom unannotated");
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class LeakingCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@Test
		void leaks() {
			pool.submit(Cases.failing("boom"));
		}

		@Test
		void retrieves() {
			Future<String> future = pool.submit(Cases.failing("boom"));
			assertThatExceptionOfType(java.util.concurrent.ExecutionException.class).isThrownBy(future::get)
				.withCauseInstanceOf(IllegalStateException.class);
		}

		@Test
		void succeeds() {
			pool.submit(() -> "ok");
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class FactoryCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@TestFactory
		Stream<DynamicTest> tasks() {
			return Stream.of(dynamicTest("leaksDynamically", () -> pool.submit(Cases.failing("boom dynamic"))),
					dynamicTest("retrievesDynamically", () -> {
						Future<String> future = pool.submit(Cases.failing("boom retrieved"));
						assertThatExceptionOfType(java.util.concurrent.ExecutionException.class)
							.isThrownBy(future::get);
					}), dynamicTest("throwsDynamically", () -> {
						Future<String> future = pool.submit(Cases.failing("boom thrown"));
						try {
							future.get();
						}
						catch (java.util.concurrent.ExecutionException ex) {
							// Handled: what it threw is no leak.
						}
					}));
		}

	}

	@Execution(ExecutionMode.CONCURRENT)
	static class ConcurrentFactoryCases extends FactoryCases {

	}

	@ExtendWith(LeakedTasksExtension.class)
	@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
	static class AgentChainCases {

		static ExecutorService pool;

		@BeforeAll
		static void start() {
			pool = Executors.newFixedThreadPool(2);
		}

		@AfterAll
		static void stop() {
			// Not shutdownNow: no task is to be interrupted before the class's end.
			pool.shutdown();
		}

		@Test
		@Order(1)
		void losesThroughAChainOnAFailedTask() {
			CompletableFuture<String> task = CompletableFuture.supplyAsync(() -> {
				throw new IllegalStateException("boom chain failed");
			}, pool);
			await().atMost(Duration.ofSeconds(30)).until(task::isDone);
			task.thenApply((value) -> value + "a").thenApply((value) -> value + "b");
		}

		@Test
		@Order(2)
		void losesThroughAChainOnAPendingTask() {
			Thread test = Thread.currentThread();
			CompletableFuture.supplyAsync(() -> {
				await().atMost(Duration.ofSeconds(30)).until(() -> test.getState() == Thread.State.TIMED_WAITING);
				throw new IllegalStateException("boom chain pending");
			}, pool).thenApply((value) -> value + "a");
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class AbortedCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@Test
		void losesThenAborts() {
			pool.submit(Cases.failing("boom aborted"));
			assumeTrue(false, "the service is down");
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class AgentOnlyCases {

		static ExecutorService pool;

		@BeforeAll
		static void start() {
			pool = Executors.newFixedThreadPool(2);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
		}

		@Test
		void losesOnAPlainPool() {
			Thread test = Thread.currentThread();
			pool.submit(() -> failOnceTheTestEnded(test, "boom plain pool"));
		}

		@Test
		void losesThroughRunAsync() {
			Thread test = Thread.currentThread();
			CompletableFuture.runAsync(() -> failOnceTheTestEnded(test, "boom runAsync"), pool);
		}

		@Test
		void handles() {
			Thread test = Thread.currentThread();
			assertThat(CompletableFuture.runAsync(() -> failOnceTheTestEnded(test, "boom handled"), pool)
				.handle((result, failure) -> "handled")
				.join()).isEqualTo("handled");
		}

		@Test
		void losesInAStageOfATaskStillRunning() {
			Thread test = Thread.currentThread();
			CompletableFuture.supplyAsync(() -> valueOnceTheTestEnded(test), pool).thenAccept((value) -> {
				throw new IllegalStateException("boom stage");
			});
		}

		@Test
		void losesInAnAsyncStage() {
			Thread test = Thread.currentThread();
			CompletableFuture.completedFuture("value").thenAcceptAsync((value) -> {
				valueOnceTheTestEnded(test);
				throw new IllegalStateException("boom async stage");
			}, pool);
		}

		@Test
		void handlesAStagesFailure() {
			Thread test = Thread.currentThread();
			CompletableFuture.supplyAsync(() -> valueOnceTheTestEnded(test), pool).thenApply((value) -> {
				throw new IllegalStateException("boom stage handled");
			}).exceptionally((ex) -> "handled");
		}

		private static String valueOnceTheTestEnded(Thread test) {
			await().atMost(Duration.ofSeconds(30)).until(() -> test.getState() == Thread.State.TIMED_WAITING);
			return "value";
		}

		/**
		 * Fail once the test's thread waits at its end: after the test's last line.
		 */
		private static void failOnceTheTestEnded(Thread test, String message) {
			if (!message.equals("boom handled")) {
				await().atMost(Duration.ofSeconds(30)).until(() -> test.getState() == Thread.State.TIMED_WAITING);
			}
			throw new IllegalStateException(message);
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class AfterEachCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		private Future<String> future;

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@Test
		void leavesItsFutureToAfterEach() {
			this.future = pool.submit(Cases.failing("boom"));
		}

		@AfterEach
		void retrieve() {
			assertThatExceptionOfType(java.util.concurrent.ExecutionException.class).isThrownBy(this.future::get);
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
	static class SequenceCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		static final CountDownLatch release = new CountDownLatch(1);

		static final CountDownLatch lateConfirmed = new CountDownLatch(1);

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			tracker.addListener(new LeakListener() {

				@Override
				public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
					if (report.exception() != null && "boom late".equals(report.exception().getMessage())) {
						lateConfirmed.countDown();
					}
				}

			});
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@Test
		@Order(1)
		void leaksAtOnce() {
			Cases.loseFailure(pool, "boom first");
		}

		@Test
		@Order(2)
		void leavesATaskRunning() {
			pool.submit(() -> {
				release.await(60, TimeUnit.SECONDS);
				throw new IllegalStateException("boom late");
			});
		}

		@Test
		@Order(3)
		void innocentWhileTheLateFailureIsConfirmed() {
			release.countDown();
			await().atMost(Duration.ofSeconds(60)).until(() -> {
				System.gc();
				return lateConfirmed.getCount() == 0;
			});
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class SeparateThreadCases {

		static final TaskTracker tracker = Cases.tracker();

		static final ExecutorService pool = Cases.pool(tracker);

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@Test
		@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
		void losesOnItsTimeoutsThread() {
			Cases.loseFailure(pool, "boom separate thread");
		}

		@RepeatedTest(value = 1, name = "losesInARepetition()")
		@Timeout(value = 60, threadMode = Timeout.ThreadMode.SEPARATE_THREAD)
		void losesInARepetition() {
			Cases.loseFailure(pool, "boom repeated");
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class DefaultTimeoutCases {

		static final TaskTracker tracker = Cases.tracker();

		static final ExecutorService pool = Cases.pool(tracker);

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@BeforeEach
		void loseBefore() {
			Cases.loseFailure(pool, "boom before each");
		}

		@TestFactory
		Stream<DynamicTest> losesInAFactory() {
			Cases.loseFailure(pool, "boom in a factory");
			return Stream.of(dynamicTest("nothing", () -> {
			}));
		}

		@AfterEach
		void loseAfter() {
			Cases.loseFailure(pool, "boom after each");
		}

		@Test
		void losesOnTheDefaultTimeoutsThread() {
			Cases.loseFailure(pool, "boom default separate thread");
		}

		@Test
		void losesNothing() throws Exception {
			assertThat(pool.submit(() -> "read").get(60, TimeUnit.SECONDS)).isEqualTo("read");
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class InheritingCases extends InheritedCasesBase {

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class NestedLateCases {

		static final TaskTracker tracker = Cases.tracker();

		static final ExecutorService pool = Cases.pool(tracker);

		static final CountDownLatch release = new CountDownLatch(1);

		static final CountDownLatch failed = new CountDownLatch(1);

		@AfterAll
		static void stop() {
			pool.shutdown();
			tracker.close();
		}

		@Test
		void leavesATaskRunning() {
			pool.submit(() -> {
				release.await(60, TimeUnit.SECONDS);
				failed.countDown();
				throw new IllegalStateException("boom enclosing late");
			});
		}

		@Nested
		class Inner {

			@Test
			void releasesItAndSeesItFail() throws InterruptedException {
				release.countDown();
				assertThat(failed.await(60, TimeUnit.SECONDS)).isTrue();
			}

		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class AllowingNestedLateCases {

		static final TaskTracker tracker = Cases.tracker();

		static final ExecutorService pool = Cases.pool(tracker);

		static final CountDownLatch release = new CountDownLatch(1);

		static final CountDownLatch failed = new CountDownLatch(1);

		@AfterAll
		static void stop() {
			pool.shutdown();
			tracker.close();
		}

		@Test
		void leavesATaskRunning() {
			pool.submit(() -> {
				release.await(60, TimeUnit.SECONDS);
				failed.countDown();
				throw new IllegalStateException("boom enclosing late");
			});
		}

		@Nested
		@AllowLeakedTasks
		class Inner {

			@Test
			void releasesItAndSeesItFail() throws InterruptedException {
				release.countDown();
				assertThat(failed.await(60, TimeUnit.SECONDS)).isTrue();
			}

		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	@ParameterizedClass
	@ValueSource(ints = { 1, 2 })
	static class ParameterizedLateCases {

		static final TaskTracker tracker = Cases.tracker();

		static final ExecutorService pool = Cases.pool(tracker);

		static final CountDownLatch release = new CountDownLatch(1);

		static final CountDownLatch failing = new CountDownLatch(2);

		@Parameter
		int number;

		@AfterAll
		static void stop() throws InterruptedException {
			// Not shutdownNow, and not here: the tasks are to fail as they would, not be
			// interrupted nor refused. Waited for until they are about to throw: the
			// class's end waits 200 ms here for the rest.
			release.countDown();
			assertThat(failing.await(60, TimeUnit.SECONDS)).isTrue();
		}

		@Test
		void leavesATaskRunning() {
			int number = this.number;
			pool.submit(() -> {
				release.await(60, TimeUnit.SECONDS);
				failing.countDown();
				throw new IllegalStateException("boom parameterized " + number);
			});
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class LateLossCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		static final CountDownLatch release = new CountDownLatch(1);

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			release.countDown();
			// Not shutdownNow: the task is to fail as it would, not be interrupted. Nor
			// waited for: the class's end waits for it. The tracker is closed once the
			// class ended.
			pool.shutdown();
		}

		@Test
		void leavesATaskWaitingForAfterAll() {
			pool.submit(() -> {
				release.await(60, TimeUnit.SECONDS);
				throw new IllegalStateException("boom after all");
			});
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class InterruptedAfterEachCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		static final CountDownLatch interrupted = new CountDownLatch(2);

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
		}

		@BeforeEach
		void startPool() {
			pool = Cases.pool(tracker);
		}

		@AfterEach
		void stopPool() throws InterruptedException {
			pool.shutdownNow();
			assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}

		@Test
		void leavesATaskWaiting() throws InterruptedException {
			leaveATaskWaiting();
		}

		@Test
		void losesAFailureAndLeavesATaskWaiting() throws InterruptedException {
			Cases.loseFailure(pool, "boom besides the interrupt");
			leaveATaskWaiting();
		}

		private static void leaveATaskWaiting() throws InterruptedException {
			CountDownLatch waiting = new CountDownLatch(1);
			pool.submit(() -> {
				waiting.countDown();
				try {
					new CountDownLatch(1).await(60, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					interrupted.countDown();
					throw ex;
				}
				return "never";
			});
			assertThat(waiting.await(30, TimeUnit.SECONDS)).isTrue();
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class InterruptedAtTeardownCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		static final CountDownLatch interrupted = new CountDownLatch(1);

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() throws InterruptedException {
			pool.shutdownNow();
			assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}

		@Test
		void leavesATaskWaiting() {
			pool.submit(() -> {
				try {
					new CountDownLatch(1).await(60, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					interrupted.countDown();
					throw ex;
				}
				return "never";
			});
		}

	}

	/**
	 * Registered before the extension, so that its afterEach runs after the extension's:
	 * notes whether the test's thread is still interrupted.
	 */
	static class InterruptProbe implements AfterEachCallback {

		@Override
		public void afterEach(ExtensionContext context) {
			InterruptedTestCases.interruptKept = Thread.currentThread().isInterrupted();
		}

	}

	@ExtendWith({ InterruptProbe.class, LeakedTasksExtension.class })
	static class InterruptedTestCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		static volatile boolean interruptKept;

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@Test
		void losesAndLeavesItsThreadInterrupted() {
			Thread test = Thread.currentThread();
			pool.submit(() -> {
				// Fails only once the test's end waits: it must wait despite the flag.
				await().atMost(Duration.ofSeconds(30)).until(() -> test.getState() == Thread.State.TIMED_WAITING);
				throw new IllegalStateException("boom interrupted");
			});
			Thread.currentThread().interrupt();
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	@Execution(ExecutionMode.CONCURRENT)
	static class ParallelCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		static final CyclicBarrier submitting = new CyclicBarrier(4);

		static final CyclicBarrier submitted = new CyclicBarrier(4);

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@Test
		void leaksA() throws Exception {
			submitting.await(60, TimeUnit.SECONDS);
			Cases.loseFailure(pool, "boom A");
			submitted.await(60, TimeUnit.SECONDS);
		}

		@Test
		void leaksB() throws Exception {
			submitting.await(60, TimeUnit.SECONDS);
			Cases.loseFailure(pool, "boom B");
			submitted.await(60, TimeUnit.SECONDS);
		}

		@Test
		void retrievesC() throws Exception {
			submitting.await(60, TimeUnit.SECONDS);
			Future<String> future = Cases.submitFailing(pool, "boom C");
			submitted.await(60, TimeUnit.SECONDS);
			assertThatExceptionOfType(java.util.concurrent.ExecutionException.class).isThrownBy(future::get);
		}

		@Test
		void leaksDFromInsideATask() throws Exception {
			submitting.await(60, TimeUnit.SECONDS);
			pool.submit(() -> Cases.loseFailure(pool, "boom D")).get(60, TimeUnit.SECONDS);
			submitted.await(60, TimeUnit.SECONDS);
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class NestedCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@Test
		void leaksFromInsideATask() throws Exception {
			pool.submit(() -> Cases.loseFailure(pool, "boom inner")).get(60, TimeUnit.SECONDS);
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class DroppingCases {

		static TaskTracker tracker;

		static ExecutorService discarding;

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			discarding = tracker.wrap("discarding", new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
					new ArrayBlockingQueue<>(1), new ThreadPoolExecutor.DiscardPolicy()));
		}

		@AfterAll
		static void stop() {
			discarding.shutdownNow();
			tracker.close();
		}

		@Test
		void dropsATask() throws Exception {
			CountDownLatch running = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			discarding.submit(() -> {
				running.countDown();
				release.await(60, TimeUnit.SECONDS);
				return "blocker";
			});
			assertThat(running.await(60, TimeUnit.SECONDS)).isTrue();
			discarding.submit(() -> "queued");
			discarding.submit(() -> "dropped");
			release.countDown();
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
	static class InvalidTimeoutCases {

		static final java.util.List<String> ran = new java.util.concurrent.CopyOnWriteArrayList<>();

		static TaskTracker tracker;

		static ExecutorService pool;

		@BeforeAll
		static void start() {
			ran.clear();
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@Test
		@Order(1)
		void first() {
			ran.add("first");
			Cases.loseFailure(pool, "boom first");
		}

		@Test
		@Order(2)
		void second() {
			ran.add("second");
			Cases.loseFailure(pool, "boom second");
		}

		@Test
		@Order(3)
		void third() {
			ran.add("third");
		}

		@Test
		@Order(4)
		@AllowLeakedTasks("not checked, so the setting is not read")
		void allowed() {
			ran.add("allowed");
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class AllowedMethodCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@Test
		@AllowLeakedTasks("shows that opting out works")
		void leaksOnPurpose() {
			Cases.loseFailure(pool, "boom on purpose");
		}

		@Test
		void leaksByMistake() {
			Cases.loseFailure(pool, "boom by mistake");
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	@AllowLeakedTasks
	static class AllowedClassCases {

		static TaskTracker tracker;

		static ExecutorService pool;

		@BeforeAll
		static void start() {
			tracker = Cases.tracker();
			pool = Cases.pool(tracker);
		}

		@AfterAll
		static void stop() {
			pool.shutdownNow();
			tracker.close();
		}

		@Test
		void leaksOnPurpose() {
			Cases.loseFailure(pool, "boom on purpose");
		}

		@Test
		void leaksOnPurposeToo() {
			Cases.loseFailure(pool, "boom on purpose too");
		}

	}

}
