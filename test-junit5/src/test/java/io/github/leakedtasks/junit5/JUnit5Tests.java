package io.github.leakedtasks.junit5;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.stream.Stream;

import io.github.leakedtasks.test.LeakedTasksExtension;
import io.github.leakedtasks.tracking.SharedTracker;
import org.junit.jupiter.api.DynamicTest;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestFactory;
import org.junit.jupiter.api.extension.ExtendWith;
import org.junit.jupiter.api.extension.ExtensionContext;
import org.junit.platform.engine.TestExecutionResult;
import org.junit.platform.testkit.engine.EngineExecutionResults;
import org.junit.platform.testkit.engine.EngineTestKit;
import org.junit.platform.testkit.engine.Event;
import org.junit.platform.testkit.engine.Events;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.DynamicTest.dynamicTest;
import static org.junit.platform.engine.discovery.DiscoverySelectors.selectClass;

/**
 * The JUnit extension on JUnit Jupiter 5, with the agent attached as the README shows for
 * Surefire: the test that loses a failure fails, with where its task was created; the one
 * that handles it passes.
 */
class JUnit5Tests {

	@Test
	void runsOnJUnitJupiter5() {
		// JUnit 6 added Store.computeIfAbsent(Object, Function, Class), which an
		// extension
		// compiled against it may call: it is not here.
		assertThrows(NoSuchMethodException.class, () -> ExtensionContext.Store.class.getMethod("computeIfAbsent",
				Object.class, Function.class, Class.class));
		String version = Test.class.getPackage().getImplementationVersion();
		assertTrue(version != null && version.startsWith("5."), "JUnit Jupiter " + version);
	}

	@Test
	void agentIsAttachedAsTheReadmeShows() {
		assertTrue(SharedTracker.get().isPresent(), "the agent is attached");
	}

	@Test
	void testThatLosesAFailureFailsAndTheOneThatHandlesItPasses() {
		Events tests = EngineTestKit.engine("junit-jupiter").selectors(selectClass(Cases.class)).execute().testEvents();
		TestExecutionResult lost = result(tests, "losesAFailure");
		assertEquals(TestExecutionResult.Status.FAILED, lost.getStatus());
		String message = lost.getThrowable().orElseThrow().getMessage();
		assertTrue(message.contains("Task exception was never retrieved"), message);
		assertTrue(message.contains("boom"), message);
		assertTrue(message.contains("\tat " + Cases.class.getName() + ".losesAFailure(JUnit5Tests.java:"), message);
		TestExecutionResult handled = result(tests, "handlesItsFailure");
		assertEquals(TestExecutionResult.Status.SUCCESSFUL, handled.getStatus(),
				() -> handled.getThrowable().map(Throwable::toString).orElse(""));
	}

	/**
	 * The extension's interceptor of dynamic tests, whose JUnit 6 signature is JUnit 5's
	 * too: the dynamic test that loses a failure fails, not its factory.
	 */
	@Test
	void dynamicTestThatLosesAFailureFailsOnItsOwn() {
		EngineExecutionResults results = EngineTestKit.engine("junit-jupiter")
			.selectors(selectClass(FactoryCases.class))
			.execute();
		Event lost = results.testEvents()
			.failed()
			.stream()
			.findFirst()
			.orElseThrow(() -> new AssertionError("no dynamic test failed"));
		assertEquals("losesDynamically", lost.getTestDescriptor().getDisplayName());
		String message = lost.getRequiredPayload(TestExecutionResult.class).getThrowable().orElseThrow().getMessage();
		assertTrue(message.contains("boom dynamic"), message);
		assertEquals(1, results.testEvents().failed().count());
		assertEquals(1, results.testEvents().succeeded().count());
		assertEquals(0, results.containerEvents().failed().count());
	}

	private static TestExecutionResult result(Events tests, String method) {
		Event finished = tests.finished()
			.filter((event) -> event.getTestDescriptor().getDisplayName().startsWith(method + "("))
			.findFirst()
			.orElseThrow(() -> new AssertionError("No test " + method + " finished"));
		return finished.getRequiredPayload(TestExecutionResult.class);
	}

	@ExtendWith(LeakedTasksExtension.class)
	static class FactoryCases {

		@TestFactory
		Stream<DynamicTest> tasks() {
			return Stream.of(dynamicTest("losesDynamically", () -> CompletableFuture.supplyAsync(() -> {
				throw new IllegalStateException("boom dynamic");
			})), dynamicTest("succeedsDynamically", () -> CompletableFuture.supplyAsync(() -> "ok").join()));
		}

	}

	@ExtendWith(LeakedTasksExtension.class)
	static class Cases {

		@Test
		void losesAFailure() {
			CompletableFuture.supplyAsync(() -> {
				throw new IllegalStateException("boom");
			});
		}

		@Test
		void handlesItsFailure() {
			String handled = CompletableFuture.supplyAsync(() -> {
				if (Boolean.TRUE) {
					throw new IllegalStateException("boom handled");
				}
				return "value";
			}).exceptionally((ex) -> "handled").join();
			assertEquals("handled", handled);
		}

	}

}
