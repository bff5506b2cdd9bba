package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ForkJoinWorkerThread;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The agent's engine as the tests see it: every leak it reports, and waits for the
 * collector that never rely on timing.
 */
final class AgentFixture {

	private static final List<LeakReport> reports = new CopyOnWriteArrayList<>();

	static {
		TaskTracker tracker = LeakedTasksAgent.tracker()
			.orElseThrow(() -> new IllegalStateException("Tests must run with the agent: -javaagent:<agent jar>"));
		tracker.addListener(new LeakListener() {

			@Override
			public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
				reports.add(report);
			}

		});
	}

	private AgentFixture() {
	}

	/**
	 * Start collecting the agent's reports, if not started yet: the engine replays none
	 * to a listener added later, so a test whose first report may come before it reads
	 * any calls this first.
	 */
	static void collectReports() {
		// Loading the class adds the listener.
	}

	/**
	 * Return the name under which failures on {@code CompletableFuture}'s default
	 * executor are reported: the common pool's or, when {@code CompletableFuture} starts
	 * a thread per task instead (JDK 17 with a common pool of one thread), the source's.
	 */
	static String asyncPoolName() {
		boolean common = CompletableFuture
			.supplyAsync(() -> Thread.currentThread() instanceof ForkJoinWorkerThread worker
					&& worker.getPool() == ForkJoinPool.commonPool())
			.join();
		return common ? "commonPool" : EngineSink.COMPLETABLE_FUTURES;
	}

	static String marker() {
		return UUID.randomUUID().toString();
	}

	static List<LeakReport> reportsOf(String marker) {
		return reports.stream()
			.filter((report) -> report.exception() != null && marker.equals(report.exception().getMessage()))
			.toList();
	}

	static List<LeakReport> reportsOfExecutor(String executor) {
		return reports.stream().filter((report) -> executor.equals(report.executor())).toList();
	}

	/**
	 * Wait until a leak of the executor of this name is reported, collecting garbage
	 * meanwhile.
	 */
	static LeakReport awaitReportedFrom(String executor) {
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
			System.gc();
			assertThat(reportsOfExecutor(executor)).isNotEmpty();
		});
		return reportsOfExecutor(executor).get(0);
	}

	/**
	 * Return every report so far, leaving out the control leaks.
	 */
	static List<LeakReport> allReports() {
		return reports.stream().filter((report) -> !(report.exception() instanceof ControlException)).toList();
	}

	/**
	 * Return the reports of failures of a type, leaving out the control leaks.
	 */
	static List<LeakReport> reportsOfType(Class<? extends Throwable> type) {
		return reports.stream()
			.filter((report) -> type.isInstance(report.exception())
					&& !(report.exception() instanceof ControlException))
			.toList();
	}

	/**
	 * Wait until the failure with this message is reported, collecting garbage meanwhile.
	 */
	static LeakReport awaitReported(String marker) {
		await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
			System.gc();
			assertThat(reportsOf(marker)).isNotEmpty();
		});
		return reportsOf(marker).get(0);
	}

	/**
	 * Wait until everything collectable so far has been looked at by the detector: two
	 * control leaks, one after the other, each reported after the collector found
	 * everything unreachable before it.
	 */
	static void awaitDetectorCaughtUp() {
		for (int i = 0; i < 2; i++) {
			String control = marker();
			controlLeak(control);
			awaitReported(control);
		}
	}

	/**
	 * Assert that no failure with this message was reported, once the detector caught up
	 * with everything collectable so far.
	 */
	static void assertNeverReported(String marker) {
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).isEmpty();
	}

	private static void controlLeak(String marker) {
		CompletableFuture.failedFuture(new ControlException(marker));
	}

	static final class ControlException extends RuntimeException {

		ControlException(String message) {
			super(message);
		}

	}

}
