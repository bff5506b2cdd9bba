package io.github.leakedtasks.tracking;

import java.lang.ref.Reference;
import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link TaskTracker#close()}: what an executor dropped just before, as Spring
 * shuts its executor beans down before the starter's engine, is still reported.
 */
class TrackerCloseTests {

	@ParameterizedTest
	@EnumSource(value = CreationTraceMode.class, names = { "OFF", "SAMPLED" })
	void taskAnExecutorDroppedJustBeforeTheTrackerClosesIsReportedOnTheDetectorsThread(CreationTraceMode mode)
			throws Exception {
		TrackerFixture fixture = new TrackerFixture(mode);
		List<String> threads = new CopyOnWriteArrayList<>();
		fixture.tracker.addListener(new LeakListener() {

			@Override
			public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
				threads.add(Thread.currentThread().getName());
			}

		});
		CountDownLatch release = new CountDownLatch(1);
		ThreadPoolExecutor dropping = busyPool(release);
		ThreadPoolExecutor running = busyPool(release);
		try {
			ExecutorService wrapped = fixture.tracker.wrap("dropping", dropping);
			fixture.tracker.wrap("running", running).execute(new StillQueued());
			wrapped.execute(new Dropped());
			// As Spring's shutdown does: the pool's own shutdownNow, past the wrapper,
			// whose caller lets go of what it hands back.
			assertThat(dropping.shutdownNow()).hasSize(1);
			closeThenAssert(fixture, () -> {
				assertThat(fixture.listener.leaks).singleElement().satisfies((report) -> {
					assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
					assertThat(report.task()).isEqualTo(Dropped.class.getName());
					assertThat(report.executor()).isEqualTo("dropping");
				});
				assertThat(threads).containsExactly("leaked-tasks-detector");
			});
			// Closed once: nothing more.
			fixture.tracker.close();
			assertThat(fixture.listener.leaks).hasSize(1);
		}
		finally {
			release.countDown();
			running.shutdownNow();
			fixture.close();
		}
	}

	/**
	 * A closing thread that was interrupted does not wait for the detector's last pass:
	 * the pass still reports what the executor dropped, before the tracker lets go of its
	 * live tasks.
	 */
	@Test
	void taskDroppedJustBeforeAnInterruptedThreadClosesTheTrackerIsReported() throws Exception {
		TrackerFixture fixture = new TrackerFixture(CreationTraceMode.OFF);
		CountDownLatch release = new CountDownLatch(1);
		ThreadPoolExecutor dropping = busyPool(release);
		try {
			fixture.tracker.wrap("dropping", dropping).execute(new Dropped());
			assertThat(dropping.shutdownNow()).hasSize(1);
			Thread.currentThread().interrupt();
			try {
				fixture.tracker.close();
			}
			finally {
				assertThat(Thread.interrupted()).as("the interrupt is kept").isTrue();
			}
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(fixture.listener.leaks).singleElement()
					.satisfies((report) -> assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING)));
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(fixture.tracker.liveTaskCount()).isZero());
		}
		finally {
			release.countDown();
			fixture.close();
		}
	}

	@Test
	void dropConfirmedAsTheTrackerClosesIsLeftToTheListenersNotToATestsScope() throws Exception {
		TrackerFixture fixture = new TrackerFixture(CreationTraceMode.SAMPLED);
		CountDownLatch release = new CountDownLatch(1);
		ThreadPoolExecutor dropping = busyPool(release);
		TaskScope scope = TaskScope.open("closing");
		try {
			fixture.tracker.wrap("dropping", dropping).execute(new Dropped());
		}
		finally {
			scope.close();
		}
		try {
			assertThat(dropping.shutdownNow()).hasSize(1);
			closeThenAssert(fixture, () -> assertThat(fixture.listener.leaks).singleElement()
				.satisfies((report) -> assertThat(report.task()).isEqualTo(Dropped.class.getName())));
			assertThat(scope.takeConfirmedLeaks()).isEmpty();
		}
		finally {
			release.countDown();
			fixture.close();
		}
	}

	@Test
	void onlyATaskLetGoOfOrDueButNotStartedAwaitsTheCollectionOfTheClose() throws Exception {
		TrackerFixture fixture = new TrackerFixture(CreationTraceMode.SAMPLED);
		CountDownLatch release = new CountDownLatch(1);
		ScheduledThreadPoolExecutor scheduler = fixture.register(new ScheduledThreadPoolExecutor(1));
		try {
			ScheduledExecutorService wrapped = fixture.tracker.wrap("idle", scheduler);
			wrapped.submit(() -> "done").get(30, TimeUnit.SECONDS);
			wrapped.schedule(() -> "later", 1, TimeUnit.HOURS);
			fixture.tracker.states().promoteYoung();
			assertThat(fixture.tracker.states().awaitsCollection(System.nanoTime())).isFalse();
			fixture.tracker.wrap("busy", fixture.register(busyPool(release))).execute(new StillQueued());
			fixture.tracker.states().promoteYoung();
			assertThat(fixture.tracker.states().awaitsCollection(System.nanoTime())).isTrue();
		}
		finally {
			release.countDown();
			fixture.close();
		}
	}

	/**
	 * A program that ends within the grace period, before any collection ran: the close
	 * proves lost the failure whose future nobody holds any more, and reports it; one
	 * whose future is still held, or that was retrieved, is not reported.
	 */
	@Test
	void failureNobodyRetrievedWhoseFutureIsUnreachableIsReportedAsTheTrackerCloses() throws Exception {
		TrackerFixture fixture = new TrackerFixture(withinTheGracePeriod().build());
		try {
			ExecutorService pool = fixture.pool("pool");
			Future<?> lost = pool.submit(new Failing("lost"));
			TrackerFixture.awaitDone(lost);
			Future<?> held = pool.submit(new Failing("held"));
			TrackerFixture.awaitDone(held);
			Future<?> read = pool.submit(new Failing("read"));
			assertThat(catchThrowable(() -> read.get(30, TimeUnit.SECONDS))).isInstanceOf(ExecutionException.class);
			assertThat(fixture.tracker.states().watchesUnretrieved()).isTrue();
			// Held until here, so that no collection before the close can prove it lost.
			assertThat(fixture.listener.leaks).isEmpty();
			Reference.reachabilityFence(lost);
			lost = null;
			closeThenAssert(fixture, () -> assertThat(fixture.listener.leaks).singleElement().satisfies((report) -> {
				assertThat(report.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED);
				assertThat(report.exception()).hasMessage("lost");
			}));
			assertThat(held.isDone()).isTrue();
		}
		finally {
			fixture.close();
		}
	}

	/**
	 * One collection proves many failures of a task type lost, a few of them traced (the
	 * type's first tasks): the group's line, logged for its first leak, shows where the
	 * tasks were created, whichever order the collector enqueued them in.
	 */
	@Test
	void groupProvedLostByOneCollectionIsLoggedWithTheTraceOfItsFirstTasks() throws Exception {
		TrackerFixture fixture = new TrackerFixture(
				withinTheGracePeriod().tracedTasksPerType(3).sampleRate(1_000_000).build());
		List<String> lines = new CopyOnWriteArrayList<>();
		fixture.tracker.addListener(new LoggingLeakListener((message, exception) -> lines.add(message)));
		try {
			ExecutorService pool = fixture.pool("pool");
			List<Future<?>> lost = new ArrayList<>();
			for (int i = 0; i < 300; i++) {
				lost.add(pool.submit(new Failing("lost")));
			}
			await().atMost(Duration.ofSeconds(30)).until(() -> lost.stream().allMatch(Future::isDone));
			assertThat(fixture.listener.leaks).isEmpty();
			lost.clear();
			closeThenAssert(fixture, () -> {
				assertThat(fixture.listener.leaks).hasSize(300);
				assertThat(lines).singleElement()
					.satisfies((line) -> assertThat(line)
						.contains("Task created at:\n\tat " + TrackerCloseTests.class.getName()));
			});
		}
		finally {
			fixture.close();
		}
	}

	@Test
	void failureRetrievedAwaitsNoCollectionAsTheTrackerCloses() throws Exception {
		TrackerFixture fixture = new TrackerFixture(CreationTraceMode.OFF);
		try {
			ExecutorService pool = fixture.pool("pool");
			Future<?> read = pool.submit(new Failing("read"));
			assertThat(catchThrowable(() -> read.get(30, TimeUnit.SECONDS))).isInstanceOf(ExecutionException.class);
			assertThat(fixture.tracker.states().watchesUnretrieved()).isFalse();
			fixture.tracker.close();
			assertThat(fixture.listener.leaks).isEmpty();
		}
		finally {
			fixture.close();
		}
	}

	/**
	 * A wrapper used after its tracker closed (a bean outliving its context) runs on as
	 * it would untracked, and what it is handed is held nowhere: nothing drains the
	 * tracker's lists any more. A timeout scheduled then cancelled, the common pattern,
	 * left a live record each, enqueued once collected, and a task a pool discarded was
	 * kept by the young tasks for good.
	 */
	@Test
	void wrapperUsedAfterItsTrackerClosedHoldsNothing() throws Exception {
		TrackerFixture fixture = new TrackerFixture(CreationTraceMode.SAMPLED);
		ScheduledThreadPoolExecutor scheduler = fixture.register(new ScheduledThreadPoolExecutor(1));
		scheduler.setRemoveOnCancelPolicy(true);
		CountDownLatch release = new CountDownLatch(1);
		ThreadPoolExecutor discarding = fixture.register(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
				new SynchronousQueue<>(), new ThreadPoolExecutor.DiscardPolicy()));
		try {
			ScheduledExecutorService timeouts = fixture.tracker.wrap("timeouts", scheduler);
			ExecutorService dropping = fixture.tracker.wrap("discarding", discarding);
			fixture.tracker.close();
			for (int i = 0; i < 10_000; i++) {
				assertThat(timeouts.schedule(() -> "late", 1, TimeUnit.HOURS).cancel(false)).isTrue();
			}
			assertThat(timeouts.submit(() -> "still works").get(30, TimeUnit.SECONDS)).isEqualTo("still works");
			assertThat(catchThrowable(() -> timeouts.submit(() -> {
				throw new IllegalStateException("still delivered");
			}).get(30, TimeUnit.SECONDS))).isInstanceOf(ExecutionException.class).cause().hasMessage("still delivered");
			dropping.execute(() -> awaitQuietly(release));
			WeakReference<Runnable> dropped = discardOne(dropping);
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(dropped.get()).as("the task the pool discarded").isNull();
			});
			assertThat(fixture.tracker.liveTaskCount()).isZero();
			assertThat(fixture.tracker.states().queue().poll()).isNull();
		}
		finally {
			release.countDown();
			fixture.close();
		}
	}

	/**
	 * Close the fixture's tracker, then check what its last pass reported: at once if the
	 * close returned before its wait for the detector's thread could run out (that
	 * thread, its last pass made, had ended), else, on a machine too loaded for that,
	 * once the pass is over.
	 */
	private static void closeThenAssert(TrackerFixture fixture, Runnable assertion) {
		long start = System.nanoTime();
		fixture.tracker.close();
		if (System.nanoTime() - start < TimeUnit.MILLISECONDS.toNanos(LeakDetector.FINISH_JOIN_MILLIS)) {
			assertion.run();
		}
		else {
			await().atMost(Duration.ofSeconds(30)).untilAsserted(assertion::run);
		}
	}

	/**
	 * Settings under which no failure becomes suspected during a test: what the close
	 * reports, it proved then.
	 */
	private static TrackingSettings.Builder withinTheGracePeriod() {
		return TrackingSettings.builder().gracePeriod(Duration.ofHours(1)).traceMode(CreationTraceMode.SAMPLED);
	}

	private static WeakReference<Runnable> discardOne(ExecutorService dropping) {
		Runnable task = new Dropped();
		dropping.execute(task);
		return new WeakReference<>(task);
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/**
	 * A pool of one thread, busy until released.
	 */
	private static ThreadPoolExecutor busyPool(CountDownLatch release) throws InterruptedException {
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
		CountDownLatch started = new CountDownLatch(1);
		pool.execute(() -> {
			started.countDown();
			try {
				release.await(60, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		return pool;
	}

	static final class Failing implements Callable<Object> {

		private final String message;

		Failing(String message) {
			this.message = message;
		}

		@Override
		public Object call() {
			throw new IllegalStateException(this.message);
		}

	}

	static final class Dropped implements Runnable {

		@Override
		public void run() {
		}

	}

	static final class StillQueued implements Runnable {

		@Override
		public void run() {
		}

	}

}
