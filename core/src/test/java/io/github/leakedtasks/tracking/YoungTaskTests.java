package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Untraced tasks get their record only when they fail or are still queued or running when
 * the tracker looks at its young tasks: at each sweep, or when a stripe's young tasks
 * fill up. What the tracker sees of them must not depend on when it looked.
 */
class YoungTaskTests {

	private final TrackerFixture fixture = new TrackerFixture(TrackingSettings.builder()
		.traceMode(CreationTraceMode.OFF)
		.gracePeriod(Duration.ofMillis(200))
		.overdueThreshold(Duration.ofMillis(200))
		.build());

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void close() throws InterruptedException {
		this.release.countDown();
		this.fixture.close();
	}

	@Test
	void untracedTasksRunningOrQueuedTooLongAreListedAsOverdue() throws InterruptedException {
		ExecutorService executor = this.fixture.tracker.wrap("slow",
				this.fixture.register(Executors.newSingleThreadExecutor((task) -> new Thread(task, "slow-worker"))));
		CountDownLatch running = new CountDownLatch(1);
		executor.submit(() -> {
			running.countDown();
			this.release.await();
			return null;
		});
		executor.submit(() -> "queued");
		assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			List<OverdueTask> overdue = this.fixture.tracker.overdueTasks();
			assertThat(overdue).hasSize(2);
			assertThat(overdue).anySatisfy((task) -> {
				assertThat(task.state()).isEqualTo(OverdueTask.State.RUNNING);
				assertThat(task.runningThread()).isEqualTo("slow-worker");
				assertThat(task.age()).isGreaterThanOrEqualTo(Duration.ofMillis(200));
			});
			assertThat(overdue).anySatisfy((task) -> assertThat(task.state()).isEqualTo(OverdueTask.State.QUEUED));
		});
		this.release.countDown();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			assertThat(this.fixture.tracker.overdueTasks()).isEmpty();
			assertThat(this.fixture.tracker.liveTaskCount()).isZero();
		});
	}

	@Test
	void taskTheRejectionPolicyDroppedIsNotListedAsQueued() throws InterruptedException {
		// Held by its caller, the dropped task is not confirmed until its future is
		// collected; the pool's queue shows it is not queued.
		ThreadPoolExecutor pool = this.fixture
			.register(new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS, new ArrayBlockingQueue<>(1),
					(task) -> new Thread(task, "discarding-worker"), new ThreadPoolExecutor.DiscardPolicy()));
		ExecutorService executor = this.fixture.tracker.wrap("discarding", pool);
		CountDownLatch running = new CountDownLatch(1);
		executor.submit(() -> {
			running.countDown();
			this.release.await();
			return null;
		});
		assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
		executor.submit(() -> "queued");
		Future<String> dropped = executor.submit(() -> "dropped");
		assertThat(pool.getQueue()).hasSize(1);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			List<OverdueTask> overdue = this.fixture.tracker.overdueTasks();
			// Old enough that the dropped task, first seen at most one sweep later, would
			// be listed too.
			assertThat(overdue).filteredOn((task) -> task.state() == OverdueTask.State.QUEUED)
				.singleElement()
				.satisfies((task) -> assertThat(task.age()).isGreaterThanOrEqualTo(Duration.ofMillis(400)));
			assertThat(overdue).hasSize(2);
		});
		assertThat(this.fixture.tracker.liveTaskCount()).isEqualTo(3);
		assertThat(dropped).isNotDone();
	}

	@Test
	void taskAWorkerHoldsBeforeStartingItIsStillListedAsQueued() throws InterruptedException {
		// A paused pool holds the task a worker took in beforeExecute: not in the
		// queue, not started, not dropped.
		CountDownLatch holding = new CountDownLatch(1);
		ThreadPoolExecutor pool = this.fixture.register(new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
				new ArrayBlockingQueue<>(1), new ThreadPoolExecutor.DiscardPolicy()) {

			@Override
			protected void beforeExecute(Thread worker, Runnable task) {
				holding.countDown();
				try {
					YoungTaskTests.this.release.await();
				}
				catch (InterruptedException ex) {
					worker.interrupt();
				}
			}

		});
		ExecutorService executor = this.fixture.tracker.wrap("paused", pool);
		Future<String> held = executor.submit(() -> "held");
		assertThat(holding.await(30, TimeUnit.SECONDS)).isTrue();
		Future<String> queued = executor.submit(() -> "queued");
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			List<OverdueTask> overdue = this.fixture.tracker.overdueTasks();
			assertThat(overdue).extracting(OverdueTask::state)
				.containsExactly(OverdueTask.State.QUEUED, OverdueTask.State.QUEUED);
		});
		assertThat(held).isNotDone();
		assertThat(queued).isNotDone();
	}

	@Test
	void moreQueuedTasksThanAStripeHoldsAreAllCountedAndReportedWhenDropped() throws InterruptedException {
		ExecutorService executor = blockedSingleThread("backlog");
		int queued = LiveTasks.YOUNG_TASKS_PER_STRIPE * 4 + 7;
		for (int i = 0; i < queued; i++) {
			executor.submit(() -> "queued");
		}
		assertThat(this.fixture.tracker.liveTaskCount()).isEqualTo(queued + 1);
		assertThat(executor.shutdownNow()).hasSize(queued);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("backlog")).hasSize(queued);
		});
		assertThat(this.fixture.listener.leaksOf("backlog"))
			.allSatisfy((report) -> assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING));
	}

	@Test
	void tasksFinishingWhileTheTrackerLooksAreNeverReported() throws Exception {
		TrackerFixture busy = new TrackerFixture(
				TrackingSettings.builder().traceMode(CreationTraceMode.OFF).gracePeriod(Duration.ofMillis(40)).build());
		try (busy) {
			ExecutorService executor = busy.pool("busy");
			ExecutorService submitters = busy.register(Executors.newFixedThreadPool(2));
			List<Future<?>> done = new ArrayList<>();
			for (int submitter = 0; submitter < 2; submitter++) {
				done.add(submitters.submit(() -> submitAndForget(executor, 50_000)));
			}
			for (Future<?> future : done) {
				future.get(60, TimeUnit.SECONDS);
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> busy.tracker.liveTaskCount() == 0);
			busy.awaitControlLeak();
			assertThat(busy.listener.leaksOf("busy")).isEmpty();
			assertThat(busy.tracker.overdueTasks()).isEmpty();
		}
	}

	@Test
	void cancellationsRacingPromotionAreNeverLost() throws Exception {
		ExecutorService executor = blockedSingleThread("cancelled");
		List<Future<?>> queued = new ArrayList<>();
		for (int i = 0; i < 20_000; i++) {
			queued.add(executor.submit(() -> "cancelled"));
		}
		CountDownLatch promoting = new CountDownLatch(1);
		CountDownLatch cancelling = new CountDownLatch(1);
		ExecutorService promoter = this.fixture.register(Executors.newSingleThreadExecutor());
		Future<Integer> promotions = promoter.submit(() -> {
			int count = 0;
			while (cancelling.getCount() > 0) {
				this.fixture.tracker.states().promoteYoung();
				count++;
				promoting.countDown();
			}
			return count;
		});
		assertThat(promoting.await(30, TimeUnit.SECONDS)).isTrue();
		for (Future<?> future : queued) {
			future.cancel(false);
		}
		cancelling.countDown();
		assertThat(promotions.get(30, TimeUnit.SECONDS)).isPositive();
		assertThat(executor.shutdownNow()).hasSize(queued.size());
		queued = null;
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("cancelled")).isEmpty();
	}

	@Test
	void lostFailureOfAnUntracedTaskIsReportedWithItsTypeAndSubmitter() {
		ExecutorService executor = this.fixture.pool("orders");
		String submitter = Thread.currentThread().getName();
		TrackerFixture.loseFailure(executor);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("orders")).singleElement().satisfies((report) -> {
				assertThat(report.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED);
				assertThat(report.task()).startsWith(TrackerFixture.class.getName() + "$$Lambda");
				assertThat(report.thread()).isEqualTo(submitter);
				assertThat(report.creationTrace()).isNull();
			});
		});
	}

	private static Object submitAndForget(ExecutorService executor, int count) throws Exception {
		Future<?> last = null;
		for (int i = 0; i < count; i++) {
			last = executor.submit(() -> 42);
			if (i % 1_000 == 0) {
				last.get(30, TimeUnit.SECONDS);
			}
		}
		return last.get(30, TimeUnit.SECONDS);
	}

	/**
	 * A single thread busy until the test ends, with an unbounded queue.
	 */
	private ExecutorService blockedSingleThread(String name) throws InterruptedException {
		ExecutorService executor = this.fixture.tracker.wrap(name,
				this.fixture.register(Executors.newSingleThreadExecutor()));
		CountDownLatch running = new CountDownLatch(1);
		executor.execute(() -> {
			running.countDown();
			awaitRelease();
		});
		assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
		return executor;
	}

	private void awaitRelease() {
		try {
			this.release.await();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

}
