package io.github.leakedtasks.agent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import io.github.leakedtasks.tracking.TaskTracker;

import static io.github.leakedtasks.agent.AgentFixture.awaitReported;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * Failures the agent sees are reported under the name of the executor whose thread failed
 * them. Names read from threads are checked in a JVM of their own
 * ({@link StandaloneAgentTests}): this one's other tests use up the names read from
 * threads.
 */
class ExecutorNamesTests {

	private final TaskTracker tracker = LeakedTasksAgent.tracker().orElseThrow();

	@Test
	void failureOnTheCommonPoolIsReportedAsCommonPool() {
		// Not supplyAsync: with a common pool of one thread (two cores), it starts a
		// thread per task instead (StandaloneAgentTests gives the pool two).
		String marker = marker();
		ForkJoinPool.commonPool()
			.execute(() -> new CompletableFuture<>().completeExceptionally(new IllegalStateException(marker)));
		assertThat(awaitReported(marker).executor()).isEqualTo("commonPool");
	}

	@Test
	void failuresOnANamedThreadPoolAreReportedUnderItsName() throws InterruptedException {
		String submitted = marker();
		String supplied = marker();
		ExecutorService pool = Executors.newFixedThreadPool(2);
		this.tracker.nameExecutor(pool, "billing");
		try {
			pool.submit(() -> {
				throw new IllegalStateException(submitted);
			});
			CompletableFuture.supplyAsync(() -> {
				throw new IllegalStateException(supplied);
			}, pool);
			assertThat(awaitReported(submitted).executor()).isEqualTo("billing");
			assertThat(awaitReported(supplied).executor()).isEqualTo("billing");
		}
		finally {
			pool.shutdown();
			assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void nameOfADelegatingExecutorNamesItsPool() throws InterruptedException {
		String marker = marker();
		ExecutorService single = Executors.newSingleThreadExecutor();
		this.tracker.nameExecutor(single, "single");
		try {
			single.submit(() -> {
				throw new IllegalStateException(marker);
			});
			assertThat(awaitReported(marker).executor()).isEqualTo("single");
		}
		finally {
			single.shutdown();
			assertThat(single.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
	}

	@Test
	void failureOnANamedForkJoinPoolIsReportedUnderItsName() {
		String marker = marker();
		ForkJoinPool pool = new ForkJoinPool(1);
		this.tracker.nameExecutor(pool, "forks");
		try {
			CompletableFuture.supplyAsync(() -> {
				throw new IllegalStateException(marker);
			}, pool);
			assertThat(awaitReported(marker).executor()).isEqualTo("forks");
		}
		finally {
			pool.shutdown();
		}
	}

	@Test
	void periodicDeathOnANamedSchedulerIsReportedUnderItsName() throws InterruptedException {
		String marker = marker();
		ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
		this.tracker.nameExecutor(scheduler, "ticker");
		CountDownLatch died = new CountDownLatch(1);
		try {
			scheduler.scheduleAtFixedRate(() -> {
				died.countDown();
				throw new IllegalStateException(marker);
			}, 0, 1, TimeUnit.MILLISECONDS);
			assertThat(died.await(30, TimeUnit.SECONDS)).isTrue();
			assertThat(awaitReported(marker).executor()).isEqualTo("ticker");
		}
		finally {
			scheduler.shutdownNow();
		}
	}

	@Test
	void failureOnThreadsNamedByPrefixIsReportedUnderTheName() throws InterruptedException {
		String marker = marker();
		// A prefix of its own: the agent's engine outlives the test.
		this.tracker.nameThreads("mailer-" + marker + "-", "mailExecutor");
		runOnThreadOfItsOwn("mailer-" + marker + "-1", new FutureTask<>(() -> {
			throw new IllegalStateException(marker);
		}));
		assertThat(awaitReported(marker).executor()).isEqualTo("mailExecutor");
	}

	@Test
	void failureOutsideAnyExecutorIsReportedUnderTheSourcesName() {
		String completed = marker();
		String ran = marker();
		new CompletableFuture<>().completeExceptionally(new IllegalStateException(completed));
		new FutureTask<>(() -> {
			throw new IllegalStateException(ran);
		}).run();
		assertThat(awaitReported(completed).executor()).isEqualTo(EngineSink.COMPLETABLE_FUTURES);
		assertThat(awaitReported(ran).executor()).isEqualTo(EngineSink.FUTURE_TASKS);
	}

	/**
	 * A method of its own: on JDK 21 and later a terminated thread still holds its task,
	 * which must be collectable for its failure to be reported.
	 */
	private static void runOnThreadOfItsOwn(String name, Runnable task) throws InterruptedException {
		Thread thread = new Thread(task, name);
		thread.start();
		thread.join();
	}

}
