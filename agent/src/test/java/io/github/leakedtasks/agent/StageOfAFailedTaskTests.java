package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.leakedtasks.tracking.LeakReport;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static io.github.leakedtasks.agent.AgentFixture.awaitDetectorCaughtUp;
import static io.github.leakedtasks.agent.AgentFixture.awaitReported;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static io.github.leakedtasks.agent.AgentFixture.reportsOf;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A chain of stages on a task's future, dropped: its last stage, handed the task's
 * failure, is reported once, as the task would be (its executor, its type, where and on
 * which thread it was submitted), whether the task had failed when the stages were added
 * (they then fail on the caller's thread) or failed after (on the pool's). Before, the
 * stage was reported under whichever thread completed it, as a {@code CompletableFuture}
 * created nowhere: two groups for one line of code, found by a new-user trial.
 */
class StageOfAFailedTaskTests {

	private final ExecutorService orders = Executors.newFixedThreadPool(2);

	@BeforeEach
	void nameThePool() {
		AgentFixture.collectReports();
		LeakedTasksAgent.tracker().orElseThrow().nameExecutor(this.orders, "orders");
	}

	@AfterEach
	void stop() {
		this.orders.shutdownNow();
	}

	@Test
	void chainOnATaskThatFailedAlreadyIsReportedAsTheTask() {
		String marker = marker();
		chainOnFailedTask(marker);
		assertReportedAsTheTask(marker, "chainOnFailedTask");
	}

	@Test
	void chainOnATaskThatFailsAfterIsReportedAsTheTask() throws Exception {
		String marker = marker();
		CountDownLatch release = new CountDownLatch(1);
		chainOnPendingTask(marker, release);
		release.countDown();
		assertReportedAsTheTask(marker, "chainOnPendingTask");
	}

	/**
	 * Chains made on tasks' futures at once, while the tasks may be failing on the pool's
	 * threads: the caller's hooks of both stages may run before the pool thread's hook
	 * registered the task's failure. The end of each chain is reported as its task,
	 * whichever hook came first, and named after the task's function also past the type's
	 * traced tasks. Before, the end of a chain whose first stage was made in that window
	 * was reported as a {@code CompletableFuture} of no executor (in a fresh JVM, 5 of 16
	 * runs on JDK 17 and 10 of 16 on Temurin 25), and the failure of an untraced task as
	 * a {@code CompletableFuture}.
	 */
	@Test
	void chainsMadeWhileTheirTasksFailAreReportedAsTheTasks() {
		List<String> markers = new ArrayList<>();
		for (int i = 0; i < 200; i++) {
			String marker = marker();
			markers.add(marker);
			CompletableFuture.supplyAsync(new FailingInAChain(marker), this.orders)
				.thenApply((value) -> value + "a")
				.thenApply((value) -> value + "b");
		}
		await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
			System.gc();
			assertThat(markers).allSatisfy((marker) -> assertThat(reportsOf(marker)).isNotEmpty());
		});
		awaitDetectorCaughtUp();
		assertThat(markers)
			.allSatisfy((marker) -> assertThat(reportsOf(marker)).singleElement().satisfies((LeakReport report) -> {
				assertThat(report.executor()).isEqualTo("orders");
				assertThat(report.task()).isEqualTo(FailingInAChain.class.getName());
			}));
	}

	/**
	 * A handler of the failure that throws an exception of its own: not the task's
	 * failure, so not reported as the task, whether the task had failed already or not.
	 */
	@Test
	void handlerThatThrowsItsOwnIsNotReportedAsTheTask() throws Exception {
		String failed = marker();
		CompletableFuture<String> task = CompletableFuture.supplyAsync(new Failing(marker(), null), this.orders);
		await().atMost(Duration.ofSeconds(30)).until(task::isDone);
		rethrow(task, failed);
		String pending = marker();
		CountDownLatch release = new CountDownLatch(1);
		rethrow(CompletableFuture.supplyAsync(new Failing(marker(), release), this.orders), pending);
		release.countDown();
		for (String marker : new String[] { failed, pending }) {
			awaitReported(marker);
		}
		awaitDetectorCaughtUp();
		for (String marker : new String[] { failed, pending }) {
			assertThat(reportsOf(marker)).singleElement()
				.satisfies((LeakReport report) -> assertThat(report.task()).as(marker)
					.isEqualTo(CompletableFuture.class.getName()));
		}
	}

	private static void rethrow(CompletableFuture<String> task, String message) {
		task.exceptionally((failure) -> {
			throw new IllegalArgumentException(message);
		});
	}

	private void chainOnFailedTask(String marker) {
		CompletableFuture<String> task = CompletableFuture.supplyAsync(new Failing(marker, null), this.orders);
		await().atMost(Duration.ofSeconds(30)).until(task::isDone);
		task.thenApply((value) -> value + "a").thenApply((value) -> value + "b");
	}

	private void chainOnPendingTask(String marker, CountDownLatch release) {
		CompletableFuture.supplyAsync(new Failing(marker, release), this.orders)
			.thenApply((value) -> value + "a")
			.thenApply((value) -> value + "b");
	}

	private static void assertReportedAsTheTask(String marker, String createdIn) {
		awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).singleElement().satisfies((LeakReport report) -> {
			assertThat(report.executor()).isEqualTo("orders");
			assertThat(report.task()).isEqualTo(Failing.class.getName());
			assertThat(report.thread()).isEqualTo(Thread.currentThread().getName());
			assertThat(report.creationTrace()).isNotNull();
			assertThat(report.creationTrace().frames()).extracting(StackTraceElement::getMethodName)
				.contains(createdIn);
		});
	}

	/**
	 * A task type of one test's own, whose many tasks use up no other test's traces.
	 */
	static final class FailingInAChain implements Supplier<String> {

		private final String message;

		FailingInAChain(String message) {
			this.message = message;
		}

		@Override
		public String get() {
			throw new IllegalStateException(this.message);
		}

	}

	/**
	 * A task type of the test's own, whose first tasks are traced.
	 */
	static final class Failing implements Supplier<String> {

		private final String message;

		private final CountDownLatch release;

		Failing(String message, CountDownLatch release) {
			this.message = message;
			this.release = release;
		}

		@Override
		public String get() {
			if (this.release != null) {
				try {
					this.release.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}
			throw new IllegalStateException(this.message);
		}

	}

}
