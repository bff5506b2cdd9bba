package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link ExecutorTracking#callAsync}: the tracked future completed by the JDK's
 * own task, as Spring's {@code submitCompletable(Callable)} does with a future of its
 * own. A task whose future is complete before it starts is passed over, as Spring's would
 * be; it then finishes, and is not a drop. A task the executor drops is.
 */
class CallAsyncTests {

	private final TrackerFixture fixture = new TrackerFixture(TrackingSettings.builder()
		.gracePeriod(Duration.ofMillis(200))
		.overdueThreshold(Duration.ofMillis(100))
		.build());

	private final ExecutorTracking tracking = this.fixture.tracker.executor("spring");

	private final ThreadPoolExecutor pool = this.fixture.register(new ThreadPoolExecutor(1, 1, 0, TimeUnit.MILLISECONDS,
			new ArrayBlockingQueue<>(8), new ThreadPoolExecutor.DiscardPolicy()));

	private final CountDownLatch release = new CountDownLatch(1);

	private final List<String> ran = new CopyOnWriteArrayList<>();

	@AfterEach
	void close() throws InterruptedException {
		this.release.countDown();
		this.fixture.close();
	}

	@Test
	void taskWhoseFutureIsCompleteWhileQueuedIsPassedOverAndFinishes() throws Exception {
		block();
		CompletableFuture<String> completed = this.tracking.callAsync(() -> run("completed"), this.pool);
		CompletableFuture<String> cancelled = this.tracking.callAsync(() -> run("cancelled"), this.pool);
		CompletableFuture<String> timedOut = this.tracking.callAsync(() -> run("timed out"), this.pool);
		// Listed as overdue: the queued tasks have their records, which watch for drops.
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixture.tracker.overdueTasks().size() >= 3);
		assertThat(completed.complete("by the application")).isTrue();
		assertThat(cancelled.cancel(false)).isTrue();
		timedOut.orTimeout(1, TimeUnit.MILLISECONDS);
		await().atMost(Duration.ofSeconds(30)).until(timedOut::isDone);
		this.release.countDown();
		// Finished while their futures are held: nothing of theirs stays queued.
		await().atMost(Duration.ofSeconds(30)).until(() -> this.fixture.tracker.liveTaskCount() == 0);
		assertThat(this.ran).containsExactly("blocker");
		assertThat(completed.join()).isEqualTo("by the application");
		assertThatExceptionOfType(CompletionException.class).isThrownBy(timedOut::join)
			.withCauseInstanceOf(TimeoutException.class);
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaks).extracting(LeakReport::executor).containsOnly("control");
	}

	@Test
	void passedOverTaskOfAScopeIsOver() throws Exception {
		block();
		TaskScope scope = TaskScope.open("test");
		CompletableFuture<String> completed = this.tracking.callAsync(() -> run("completed"), this.pool);
		scope.close();
		assertThat(completed.complete("by the application")).isTrue();
		this.release.countDown();
		assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
		assertThat(scope.takeLeaks()).isEmpty();
		assertThat(this.ran).containsExactly("blocker");
		assertThat(completed).isCompletedWithValue("by the application");
	}

	@Test
	void taskTheExecutorDroppedIsReportedAlthoughItsFutureWasCompletedLater() throws Exception {
		block();
		for (int i = 0; i < 8; i++) {
			this.tracking.callAsync(() -> run("queued"), this.pool);
		}
		// The queue is full: the executor's policy discards this one silently.
		CompletableFuture<String> dropped = this.tracking.callAsync(() -> run("dropped"), this.pool);
		assertThat(dropped.complete("by the application")).isTrue();
		this.release.countDown();
		await().atMost(Duration.ofSeconds(30)).until(() -> this.pool.getCompletedTaskCount() == 9);
		dropped = null;
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("spring")).extracting(LeakReport::kind)
				.containsExactly(LeakKind.DROPPED_WHILE_PENDING);
		});
		assertThat(this.ran).doesNotContain("dropped");
	}

	@Test
	void failureCompletesTheFutureAsSpringsWould() {
		IllegalStateException thrown = new IllegalStateException("failed");
		CompletableFuture<String> future = this.tracking.callAsync(() -> {
			throw thrown;
		}, this.pool);
		assertThatExceptionOfType(CompletionException.class).isThrownBy(future::join).withCause(thrown);
		CompletionException wrapped = new CompletionException(thrown);
		CompletableFuture<String> passedOn = this.tracking.callAsync(() -> {
			throw wrapped;
		}, this.pool);
		assertThatExceptionOfType(CompletionException.class).isThrownBy(passedOn::join)
			.satisfies((ex) -> assertThat(ex).isSameAs(wrapped));
	}

	@Test
	void theJdksTaskCarriesASupplierTheAgentLeavesToTheWrapper() {
		Object supplier = new CallingTask<>(this.tracking, () -> "ok");
		assertThat(supplier).isInstanceOf(Supplier.class);
		assertThat(FutureEvents.isTracked(supplier)).isTrue();
	}

	@Test
	void aTaskTheExecutorRunsAfterRefusingItIsCalledAsTheJdksWouldBe() {
		List<Runnable> refused = new CopyOnWriteArrayList<>();
		Executor refusing = (runnable) -> {
			refused.add(runnable);
			throw new RejectedExecutionException("full");
		};
		AtomicBoolean called = new AtomicBoolean();
		assertThatExceptionOfType(RejectedExecutionException.class)
			.isThrownBy(() -> this.tracking.callAsync(() -> called.getAndSet(true), refusing));
		AtomicBoolean calledUntracked = new AtomicBoolean();
		assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(
				() -> new CompletableFuture<Boolean>().completeAsync(() -> calledUntracked.getAndSet(true), refusing));
		refused.forEach(Runnable::run);
		assertThat(called).isTrue();
		assertThat(calledUntracked).isTrue();
	}

	private void block() throws InterruptedException {
		CountDownLatch started = new CountDownLatch(1);
		this.pool.execute(() -> {
			started.countDown();
			try {
				this.release.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			this.ran.add("blocker");
		});
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
	}

	private String run(String name) {
		this.ran.add(name);
		return name;
	}

}
