package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.awaitility.Awaitility;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests of {@link TaskScope}: which tasks belong to a scope, and what it reports.
 */
class TaskScopeTests {

	private final TrackerFixture fixture = new TrackerFixture(
			TrackingSettings.builder().traceMode(CreationTraceMode.OFF).gracePeriod(Duration.ofMinutes(10)).build());

	/** Completes to let a test's executor deliver what its task threw. */
	private final CompletableFuture<Void> deliver = new CompletableFuture<>();

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void anyTrackerOnceATrackerWasCreated() {
		// The fixture created one.
		assertThat(TaskScope.anyTracker()).isTrue();
	}

	@Test
	void noScopeIsCurrentOutsideOne() {
		assertThat(TaskScope.current()).isNull();
		try (TaskScope scope = TaskScope.open("outer")) {
			assertThat(TaskScope.current()).isSameAs(scope);
		}
		assertThat(TaskScope.current()).isNull();
	}

	@Test
	void unretrievedFailureOfAScopesTaskIsItsLeakWithATraceWhateverTheTraceMode() {
		ExecutorService pool = this.fixture.pool("pool");
		TaskScope scope = TaskScope.open("test");
		pool.submit(failing("lost"));
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		List<LeakReport> leaks = scope.takeLeaks();
		assertThat(leaks).singleElement().satisfies((leak) -> {
			assertThat(leak.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED);
			assertThat(leak.exception()).hasMessage("lost");
			assertThat(leak.creationTrace().site().getMethodName())
				.isEqualTo("unretrievedFailureOfAScopesTaskIsItsLeakWithATraceWhateverTheTraceMode");
		});
		assertThat(scope.takeLeaks()).isEmpty();
	}

	@Test
	void failureTheFutureDeliversAfterTheTaskReturnedIsWaitedFor() throws Exception {
		// An executor's future completes after its task returned, as a FutureTask's and
		// a CompletableFuture's do: here the test decides when.
		CompletableFuture<String> source = new CompletableFuture<>();
		CountDownLatch returned = new CountDownLatch(1);
		TaskScope scope = TaskScope.open("test");
		submitDeliveredLate(failing("delivered late"), source, returned);
		scope.close();
		assertThat(returned.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(scope.awaitTasks(Duration.ofMillis(100))).as("waits while the failure is on its way").isFalse();
		this.deliver.complete(null);
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		assertThat(scope.takeLeaks()).singleElement()
			.satisfies((leak) -> assertThat(leak.exception()).hasMessage("delivered late"));
	}

	@Test
	void failureIsWaitedForUntilItsWatchReachesTheScope() {
		// A failure is marked watched before its watch reaches the scope: a wait that
		// ended in between lost the failure (seen once in CI).
		TaskRecord record = new TaskRecord(this.fixture.tracker.executor("orders"), "task", null, "main", null, null);
		TaskScope scope = TaskScope.open("test");
		scope.add(record, true);
		scope.close();
		IllegalStateException failure = new IllegalStateException("on its way to the scope");
		record.failure = failure;
		record.mark(TaskRecord.STARTED);
		record.mark(TaskRecord.FAILED);
		record.mark(TaskRecord.FINISHED);
		record.mark(TaskRecord.WATCHED);
		assertThat(scope.awaitTasks(Duration.ofMillis(100))).as("waits while the watch is on its way").isFalse();
		Object future = new Object();
		TaskScope.watched(new FailureWatch(future, null, record, failure, null));
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		assertThat(scope.takeLeaks()).singleElement()
			.satisfies((leak) -> assertThat(leak.exception()).isSameAs(failure));
		assertThat(future).isNotNull();
	}

	@Test
	void failureOfAFutureTheApplicationCompletedFirstIsNoLeakAndNotWaitedFor() throws Exception {
		CompletableFuture<String> source = new CompletableFuture<>();
		TaskScope scope = TaskScope.open("test");
		CountDownLatch returned = new CountDownLatch(1);
		CompletableFuture<String> future = submitDeliveredLate(failing("replaced"), source, returned);
		scope.close();
		assertThat(future.complete("by the application")).isTrue();
		assertThat(returned.await(30, TimeUnit.SECONDS)).isTrue();
		// The failure comes now, to an executor's future that took the application's
		// value as it would untracked, where it is the application's future.
		this.deliver.complete(null);
		assertThat(source.get(30, TimeUnit.SECONDS)).isEqualTo("by the application");
		// The deadline is far: a scope that waited for the failure would time out.
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		assertThat(scope.takeLeaks()).isEmpty();
		assertThat(future.join()).isEqualTo("by the application");
	}

	@Test
	void retrievedFailureIsNoLeak() throws Exception {
		ExecutorService pool = this.fixture.pool("pool");
		TaskScope scope = TaskScope.open("test");
		Future<String> future = pool.submit(failing("handled"));
		scope.close();
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> future.get(30, TimeUnit.SECONDS));
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		assertThat(scope.takeLeaks()).isEmpty();
	}

	@Test
	void taskCreatedByATaskBelongsToTheOuterTasksScope() throws Exception {
		ExecutorService pool = this.fixture.pool("pool");
		TaskScope scope = TaskScope.open("test");
		pool.submit(() -> pool.submit(failing("inner"))).get(30, TimeUnit.SECONDS);
		scope.close();
		pool.submit(failing("no scope's"));
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		assertThat(scope.takeLeaks()).singleElement()
			.satisfies((leak) -> assertThat(leak.exception()).hasMessage("inner"));
	}

	@Test
	void scopeWaitsForItsRunningTasksUntilTheTimeout() throws Exception {
		ExecutorService pool = this.fixture.pool("pool");
		CountDownLatch release = new CountDownLatch(1);
		TaskScope scope = TaskScope.open("test");
		pool.submit(() -> release.await(30, TimeUnit.SECONDS));
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofMillis(50))).isFalse();
		release.countDown();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
	}

	@Test
	void interruptTheCallerCarriesInEndsTheWaitAtOnceAndIsKept() throws Exception {
		ExecutorService pool = this.fixture.pool("pool");
		CountDownLatch release = new CountDownLatch(1);
		TaskScope scope = TaskScope.open("test");
		pool.submit(() -> release.await(30, TimeUnit.SECONDS));
		scope.close();
		Thread.currentThread().interrupt();
		try {
			assertThat(scope.awaitTasks(Duration.ofSeconds(60))).isFalse();
			assertThat(Thread.currentThread().isInterrupted()).as("interrupt kept").isTrue();
		}
		finally {
			Thread.interrupted();
			release.countDown();
		}
		// Not a single park: one would return at once, and the wait would spin.
		assertThat(scope.tasks().polls()).isZero();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
	}

	@Test
	void interruptDuringTheWaitEndsItAndIsKept() throws Exception {
		ExecutorService pool = this.fixture.pool("pool");
		CountDownLatch release = new CountDownLatch(1);
		TaskScope scope = TaskScope.open("test");
		pool.submit(() -> release.await(60, TimeUnit.SECONDS));
		scope.close();
		CompletableFuture<Boolean> interruptKept = new CompletableFuture<>();
		Thread waiter = new Thread(() -> {
			boolean done = scope.awaitTasks(Duration.ofSeconds(60));
			interruptKept.complete(!done && Thread.currentThread().isInterrupted());
		});
		try {
			waiter.start();
			Awaitility.await()
				.atMost(Duration.ofSeconds(30))
				.until(() -> waiter.getState() == Thread.State.TIMED_WAITING);
			waiter.interrupt();
			assertThat(interruptKept.get(30, TimeUnit.SECONDS)).isTrue();
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void timeoutTooLongToCountInNanosecondsHasNoEnd() throws Exception {
		ExecutorService pool = this.fixture.pool("pool");
		TaskScope scope = TaskScope.open("test");
		pool.submit(() -> "done").get(30, TimeUnit.SECONDS);
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofDays(1_000_000))).isTrue();
	}

	@Test
	void taskCancelledWhileRunningIsWaitedForUntilItEnds() throws Exception {
		// It may still create tasks of the scope.
		ExecutorService pool = this.fixture.pool("pool");
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		TaskScope scope = TaskScope.open("test");
		Future<?> future = pool.submit(() -> {
			started.countDown();
			release.await(30, TimeUnit.SECONDS);
			return null;
		});
		scope.close();
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(future.cancel(false)).isTrue();
		assertThat(scope.awaitTasks(Duration.ofMillis(50))).as("waits while it runs").isFalse();
		release.countDown();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		assertThat(scope.takeLeaks()).isEmpty();
	}

	@Test
	void futureOfASourceThatFailedIsWaitedForUntilTheSourceHandledItsFailure() {
		// The Java agent hears of a failure after the JDK stored it: the future looks
		// done
		// before its failure is watched.
		CompletableFuture<String> future = new CompletableFuture<>();
		TaskScope scope = TaskScope.open("test");
		ScopedFuture waited = new ScopedFuture(future, false, null);
		scope.waitFor(waited);
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofMillis(50))).as("a pending future without a task is not waited for")
			.isTrue();
		future.completeExceptionally(new IllegalStateException("on its way"));
		assertThat(scope.awaitTasks(Duration.ofMillis(100))).as("waits while the failure is on its way").isFalse();
		waited.settled();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
	}

	@Test
	void failedFutureOfASourceIsWaitedForAtMostALittleWhile() {
		// A source that never hands the failure over (a hook missing on some JDK) must
		// not hold the scope for its whole timeout.
		CompletableFuture<String> future = new CompletableFuture<>();
		future.completeExceptionally(new IllegalStateException("never handed over"));
		TaskScope scope = TaskScope.open("test");
		scope.waitFor(new ScopedFuture(future, false, null));
		scope.close();
		// True: the wait ended by itself, not at the timeout.
		assertThat(scope.awaitTasks(Duration.ofSeconds(60))).isTrue();
	}

	@Test
	void failedFutureTaskOfASourceIsWaitedForFromJava19() {
		// Only Future.state() (Java 19) tells a FutureTask's failure without retrieving
		// it.
		FutureTask<String> future = new FutureTask<>(failing("failed"));
		future.run();
		TaskScope scope = TaskScope.open("test");
		ScopedFuture waited = new ScopedFuture(future, true, null);
		scope.waitFor(waited);
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofMillis(100))).isEqualTo(Runtime.version().feature() < 19);
		waited.settled();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
	}

	@Test
	void pendingFutureOfASourceWithATaskIsWaitedForUntilItsTaskEnds() throws Exception {
		// The Java agent sees a FutureTask or supplyAsync's future created, not its task
		// start: the test waits for it while it is pending, as for a wrapper's task.
		CountDownLatch release = new CountDownLatch(1);
		FutureTask<String> future = new FutureTask<>(() -> {
			release.await(30, TimeUnit.SECONDS);
			return "done";
		});
		TaskScope scope = TaskScope.open("test");
		scope.waitFor(new ScopedFuture(future, true, null));
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofMillis(50))).as("waits while its task is queued").isFalse();
		Thread runner = new Thread(future);
		runner.start();
		assertThat(scope.awaitTasks(Duration.ofMillis(50))).as("waits while its task runs").isFalse();
		release.countDown();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		runner.join(30_000);
	}

	@Test
	void futureTaskStoringItsFailureIsWaitedForWhenTheSourceReadsItsState() {
		// On Java 17, isDone() is true while a FutureTask stores its outcome, and no
		// state() tells a failure: the source (the agent) reads its state field.
		FutureTask<String> future = new FutureTask<>(() -> "done");
		future.run();
		AtomicInteger state = new AtomicInteger(1);
		TaskScope scope = TaskScope.open("test");
		ScopedFuture waited = new ScopedFuture(future, true, (task) -> state.get());
		scope.waitFor(waited);
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofMillis(50))).as("completing").isFalse();
		state.set(3);
		assertThat(scope.awaitTasks(Duration.ofMillis(50))).as("failed, on its way").isFalse();
		waited.settled();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		TaskScope second = TaskScope.open("second");
		second.waitFor(new ScopedFuture(future, true, (task) -> 2));
		second.close();
		assertThat(second.awaitTasks(Duration.ofSeconds(30))).as("succeeded").isTrue();
	}

	@Test
	void futureWhoseTaskWasRejectedIsNotWaitedForOnceCollected() {
		// A submit the executor rejected made the future first: nobody runs it, and
		// once unreachable it holds the scope no longer.
		TaskScope scope = TaskScope.open("test");
		scope.waitFor(new ScopedFuture(new FutureTask<>(() -> "never run"), true, null));
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
	}

	@Test
	void scheduledFutureOfASourceIsWaitedForOnlyOnceDueAndNeverWhenPeriodic() throws Exception {
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
		try {
			CountDownLatch release = new CountDownLatch(1);
			CountDownLatch started = new CountDownLatch(1);
			ScheduledFuture<?> later = scheduler.schedule(() -> "later", 1, TimeUnit.HOURS);
			ScheduledFuture<?> periodic = scheduler.scheduleAtFixedRate(() -> {
			}, 0, 1, TimeUnit.MILLISECONDS);
			TaskScope scope = TaskScope.open("test");
			scope.waitFor(new ScopedFuture(later, true, null));
			scope.waitFor(new ScopedFuture(periodic, true, null));
			scope.close();
			assertThat(scope.awaitTasks(Duration.ofSeconds(30))).as("neither is due to end with the scope").isTrue();
			periodic.cancel(false);
			ScheduledFuture<?> due = scheduler.schedule(() -> {
				started.countDown();
				release.await(30, TimeUnit.SECONDS);
				return null;
			}, 0, TimeUnit.NANOSECONDS);
			assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
			TaskScope second = TaskScope.open("second");
			second.waitFor(new ScopedFuture(due, true, null));
			second.close();
			assertThat(second.awaitTasks(Duration.ofMillis(50))).as("waits for a task whose delay elapsed").isFalse();
			release.countDown();
			assertThat(second.awaitTasks(Duration.ofSeconds(30))).isTrue();
		}
		finally {
			scheduler.shutdownNow();
		}
	}

	@Test
	void delayedTaskOfAWrapperIsNotWaitedForBeforeItIsDue() throws Exception {
		ScheduledExecutorService scheduler = this.fixture.tracker.wrap("scheduler",
				this.fixture.register(Executors.newScheduledThreadPool(1)));
		TaskScope scope = TaskScope.open("test");
		ScheduledFuture<String> later = scheduler.schedule(() -> "later", 1, TimeUnit.HOURS);
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		assertThat(scope.tasks().polls()).isZero();
		assertThat(scope.takeLeaks()).isEmpty();
		assertThat(later.cancel(false)).isTrue();
	}

	@Test
	void futureOfASourceThatSucceededOrWasCancelledIsNotWaitedFor() {
		CompletableFuture<String> succeeded = CompletableFuture.completedFuture("done");
		CompletableFuture<String> cancelled = new CompletableFuture<>();
		cancelled.cancel(false);
		TaskScope scope = TaskScope.open("test");
		scope.waitFor(new ScopedFuture(succeeded, true, null));
		scope.waitFor(new ScopedFuture(cancelled, true, null));
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
	}

	@Test
	void failureOfAStageIsWaitedForUntilItsCompletionRan() throws Exception {
		// The task's future completes, and its stages with it, after the task returned:
		// here the test decides when.
		CompletableFuture<String> source = new CompletableFuture<>();
		CountDownLatch returned = new CountDownLatch(1);
		TaskScope scope = TaskScope.open("test");
		CompletableFuture<String> future = submitDeliveredLate(failing("through the stage"), source, returned);
		future.thenApply(String::length);
		scope.close();
		assertThat(returned.await(30, TimeUnit.SECONDS)).isTrue();
		assertThat(scope.awaitTasks(Duration.ofMillis(100))).as("waits while the stage's failure is on its way")
			.isFalse();
		this.deliver.complete(null);
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		assertThat(scope.takeLeaks()).singleElement()
			.satisfies((leak) -> assertThat(leak.exception()).hasMessage("through the stage"));
	}

	@Test
	void stageOfAFutureStillPendingAfterItsTaskSucceededIsNotWaitedFor() throws Exception {
		// As an @Async method's CompletableFuture that completes later: nothing is on its
		// way yet.
		CompletableFuture<String> source = new CompletableFuture<>();
		CountDownLatch returned = new CountDownLatch(1);
		TaskScope scope = TaskScope.open("test");
		CompletableFuture<String> future = submitDeliveredLate(() -> "returned", source, returned);
		future.thenApply(String::length);
		scope.close();
		assertThat(returned.await(30, TimeUnit.SECONDS)).isTrue();
		// A wait for the stage would last its 2 s.
		assertThat(scope.awaitTasks(Duration.ofMillis(500))).isTrue();
		source.complete("later");
	}

	@Test
	void stageThatWaitsForAnotherThatNeverCompletesIsWaitedForAtMostALittleWhile() throws Exception {
		CompletableFuture<String> never = new CompletableFuture<>();
		TaskScope scope = TaskScope.open("test");
		CompletableFuture<String> future = submitOnCommonPool(() -> "done");
		future.thenCombine(never, (a, b) -> a + b);
		assertThat(future.get(30, TimeUnit.SECONDS)).isEqualTo("done");
		scope.close();
		// True: the wait ended by itself, not at the timeout.
		assertThat(scope.awaitTasks(Duration.ofSeconds(60))).isTrue();
	}

	@Test
	void failureOfAStageAddedToAFailedFutureIsTheScopesLeakAtOnce() throws Exception {
		// The JDK writes the result of a stage added to a completed one directly: no
		// completion fires, and the tracker looks at it at its next sweep, the scope at
		// its end.
		// Waited for without reading it: a failure read through the future is received,
		// and no stage that carries it on lost it.
		TaskScope scope = TaskScope.open("test");
		CompletableFuture<String> future = submitOnCommonPool(failing("the stage's"));
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
		future.thenApply(String::length);
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		assertThat(scope.takeLeaks()).singleElement()
			.satisfies((leak) -> assertThat(leak.exception()).hasMessage("the stage's"));
	}

	@Test
	void scopeKeepsABoundedNumberOfLeaksNobodyTakes() {
		// A periodic task created in a test goes on losing failures in the test's scope
		// long after the test ended, when nobody takes its leaks any more.
		ExecutorService pool = this.fixture.pool("pool");
		int lost = ScopeTasks.MAX_KEPT_LEAKS + 500;
		TaskScope scope = TaskScope.open("test");
		List<Future<String>> futures = new ArrayList<>();
		for (int i = 0; i < lost; i++) {
			futures.add(pool.submit(failing("lost")));
		}
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofSeconds(60))).isTrue();
		// The pool's two threads both add to the watches, and prune them, while the
		// other adds: counted before each is added, they stop at the bound exactly.
		assertThat(scope.tasks().watchCount()).isEqualTo(ScopeTasks.MAX_KEPT_LEAKS);
		// Collected, each failure is confirmed lost.
		futures.clear();
		await().atMost(Duration.ofSeconds(60)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("pool")).hasSize(lost);
		});
		assertThat(scope.tasks().confirmedCount()).isEqualTo(ScopeTasks.MAX_KEPT_LEAKS);
		List<LeakReport> leaks = scope.takeLeaks();
		assertThat(leaks).hasSize(ScopeTasks.MAX_KEPT_LEAKS)
			.allSatisfy((leak) -> assertThat(leak.exception()).hasMessage("lost"));
		assertThat(scope.takeLeaks()).isEmpty();
	}

	@Test
	void failuresReadMakeRoomForFailuresLostLater() throws Exception {
		// Tasks fail many more times than the scope watches; the test reads those
		// failures, then more fail with nobody reading. The scope, full, prunes for one
		// failure in 64 it leaves out: from then on, it watches them. One thread, so
		// that no failure comes while that pruning runs.
		ExecutorService pool = this.fixture.tracker.wrap("pool",
				this.fixture.register(Executors.newSingleThreadExecutor()));
		List<Future<String>> read = new ArrayList<>();
		List<Future<String>> lost = new ArrayList<>();
		TaskScope scope = TaskScope.open("test");
		try {
			for (int i = 0; i < ScopeTasks.MAX_KEPT_LEAKS + 500; i++) {
				read.add(pool.submit(failing("read")));
			}
			// Failed before they are read: watched, up to the bound.
			await().atMost(Duration.ofSeconds(60)).until(() -> read.stream().allMatch(Future::isDone));
			for (Future<String> future : read) {
				assertThatExceptionOfType(ExecutionException.class).isThrownBy(future::get);
			}
			for (int i = 0; i < 100; i++) {
				lost.add(pool.submit(failing("lost")));
			}
		}
		finally {
			scope.close();
		}
		assertThat(scope.awaitTasks(Duration.ofSeconds(60))).isTrue();
		// Still held, so not collected: only their watches can tell them lost now.
		List<LeakReport> leaks = scope.takeLeaks();
		assertThat(leaks).hasSizeBetween(100 - 64, 100)
			.allSatisfy((leak) -> assertThat(leak.exception()).hasMessage("lost"));
		assertThat(lost).hasSize(100);
	}

	@Test
	void taskCreatedOnAnotherThreadIsNotTheScopes() throws Exception {
		ExecutorService pool = this.fixture.pool("pool");
		TaskScope scope = TaskScope.open("other thread's");
		Thread thread = new Thread(() -> pool.submit(failing("no scope's")));
		thread.start();
		thread.join(30_000);
		scope.close();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		assertThat(scope.takeLeaks()).isEmpty();
	}

	/**
	 * Submit a task whose future is {@code source}, completed with what the task threw
	 * once {@link #deliver} completes, as an executor's future completes after its task
	 * returned: here the test decides when.
	 * @param returned counted down once the task returned or threw
	 */
	private CompletableFuture<String> submitDeliveredLate(Callable<String> task, CompletableFuture<String> source,
			CountDownLatch returned) {
		return this.fixture.tracker.executor("orders").<String>submitCompletable(task, null, (tracked) -> {
			Thread runner = new Thread(() -> {
				try {
					tracked.call();
				}
				catch (Exception ex) {
					this.deliver.thenRun(() -> source.completeExceptionally(ex));
				}
				finally {
					returned.countDown();
				}
			});
			runner.start();
			return source;
		});
	}

	private CompletableFuture<String> submitOnCommonPool(Callable<String> task) {
		return this.fixture.tracker.executor("orders")
			.<String>submitCompletable(task, null, (tracked) -> CompletableFuture.supplyAsync(() -> {
				try {
					return tracked.call();
				}
				catch (Exception ex) {
					throw new CompletionException(ex);
				}
			}));
	}

	private static Callable<String> failing(String message) {
		return () -> {
			throw new IllegalStateException(message);
		};
	}

}
