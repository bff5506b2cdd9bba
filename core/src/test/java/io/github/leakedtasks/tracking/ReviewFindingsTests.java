package io.github.leakedtasks.tracking;

import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.BiConsumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Cases an adversarial review of the engine found: each is red without its fix.
 */
class ReviewFindingsTests {

	private final TrackerFixture fixture = new TrackerFixture();

	private final CountDownLatch release = new CountDownLatch(1);

	@AfterEach
	void close() throws InterruptedException {
		this.release.countDown();
		this.fixture.close();
	}

	/**
	 * A mocked or broken executor that returns no future: the caller gets {@code null},
	 * as untracked, rather than a {@code NullPointerException} of the tracker's, and the
	 * task is forgotten.
	 */
	@Test
	void executorThatReturnsNoFutureHandsTheCallerNullAndNothingIsReported() throws Exception {
		ExecutorService nothing = (ExecutorService) Proxy.newProxyInstance(getClass().getClassLoader(),
				new Class<?>[] { ExecutorService.class }, (proxy, method, args) -> {
					Class<?> type = method.getReturnType();
					return (type == boolean.class) ? false : null;
				});
		ExecutorService executor = this.fixture.tracker.wrap("nothing", nothing);
		assertThat(executor.submit(() -> "never")).isNull();
		assertThat(executor.submit(() -> {
		})).isNull();
		assertThat(this.fixture.tracker.executor("mirror-of-nothing")
			.<String>submitCompletable((Callable<String>) () -> "never", null, (tracked) -> null)).isNull();
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("nothing")).isEmpty();
		assertThat(this.fixture.listener.leaksOf("mirror-of-nothing")).isEmpty();
	}

	/**
	 * An executor's {@code CompletableFuture}, or an {@code @Async} method's, of a class
	 * whose {@code whenComplete} throws: the tracked future cannot mirror it, and the
	 * caller gets it as it is, as untracked, rather than the exception of the engine's
	 * call; its type is among those said to be untracked (once, at DEBUG).
	 */
	@Test
	void completableFutureThatRefusesTheMirrorsObserverIsHandedToTheCallerAsItIs() throws Throwable {
		ExecutorTracking tracking = this.fixture.tracker.executor("refusing");
		RefusesObservers submitted = new RefusesObservers();
		assertThat(tracking.<String>submitCompletable((Callable<String>) () -> "x", null, (tracked) -> submitted))
			.isSameAs(submitted);
		TrackedTask<Object> task = tracking.newTask("Service.call", true);
		RefusesObservers returned = new RefusesObservers();
		task.invoke(() -> returned);
		assertThat(tracking.publish(task, returned)).isSameAs(returned);
		assertThat(this.fixture.tracker.untrackedTypes())
			.containsOnlyOnce(new UntrackedType(RefusesObservers.class.getName(), UntrackedType.FUTURE_REASON));
	}

	/**
	 * A future whose {@code whenComplete} throws.
	 */
	private static final class RefusesObservers extends CompletableFuture<String> {

		@Override
		public CompletableFuture<String> whenComplete(BiConsumer<? super String, ? super Throwable> action) {
			throw new UnsupportedOperationException("no observers");
		}

	}

	@Test
	void futureCancelledByTheExecutorsRejectionHandlerIsNotReportedAsDropped() throws InterruptedException {
		ThreadPoolExecutor pool = this.fixture.register(new OwnTaskPool((task, executor) -> {
			((Future<?>) task).cancel(false);
		}));
		ExecutorService executor = this.fixture.tracker.wrap("rejecting", pool);
		CountDownLatch busy = new CountDownLatch(1);
		executor.submit(() -> {
			busy.countDown();
			this.release.await();
			return null;
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		executor.submit(() -> "queued");
		submitRejected(executor);
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("rejecting")).isEmpty();
	}

	private static void submitRejected(ExecutorService executor) {
		executor.submit(() -> "rejected and cancelled");
	}

	@Test
	void failureReplacedWithObtrudeValueIsNotReported() {
		replaceFailure(this.fixture.tracker.executor("orders"));
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("orders")).isEmpty();
	}

	private static void replaceFailure(ExecutorTracking tracking) {
		CompletableFuture<String> future = UnretrievedFailureTests.failing(tracking);
		await().atMost(java.time.Duration.ofSeconds(30)).until(future::isDone);
		if (future.isCompletedExceptionally()) {
			future.obtrudeValue("fallback");
		}
		assertThat(future.join()).isEqualTo("fallback");
	}

	@Test
	void failurePutOverOneThatWasReadIsReportedWhenDropped() {
		obtrudeAfterReading(this.fixture.tracker.executor("orders"));
		// Collected with the control's future maybe, but not necessarily reported first:
		// wait for the report itself, then for the control, after which nothing of
		// "orders" can come.
		await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("orders")).isNotEmpty();
		});
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("orders")).singleElement()
			.satisfies((leak) -> assertThat(leak.exception()).hasMessage("put over the first"));
	}

	private static void obtrudeAfterReading(ExecutorTracking tracking) {
		CompletableFuture<String> future = UnretrievedFailureTests.failing(tracking);
		await().atMost(java.time.Duration.ofSeconds(30)).until(future::isDone);
		assertThatExceptionOfType(java.util.concurrent.CompletionException.class).isThrownBy(future::join);
		future.obtrudeException(new IllegalArgumentException("put over the first"));
	}

	@Test
	void failurePutOverAnotherAndReadIsNotReported() {
		CompletableFuture<String> future = UnretrievedFailureTests.failing(this.fixture.tracker.executor("orders"));
		await().atMost(java.time.Duration.ofSeconds(30)).until(future::isDone);
		future.obtrudeException(new IllegalArgumentException("put over the first"));
		assertThatExceptionOfType(java.util.concurrent.CompletionException.class).isThrownBy(future::join)
			.withCauseInstanceOf(IllegalArgumentException.class);
		future = null;
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("orders")).isEmpty();
	}

	@Test
	void cancellationPutOverAFailureThatWasNotReadIsNotReported() {
		CompletableFuture<String> future = UnretrievedFailureTests.failing(this.fixture.tracker.executor("orders"));
		await().atMost(java.time.Duration.ofSeconds(30)).until(future::isDone);
		future.obtrudeException(new java.util.concurrent.CancellationException("put over the first"));
		assertThat(future.isCancelled()).isTrue();
		future = null;
		this.fixture.awaitControlLeak();
		assertThat(this.fixture.listener.leaksOf("orders")).isEmpty();
	}

	@Test
	void taskAnExecutorQueuedBeforeThrowingStillRunsTheApplicationsTask() {
		List<Runnable> queued = new ArrayList<>();
		Executor failing = (task) -> {
			queued.add(task);
			throw new RejectedExecutionException("queued, then failed to start a worker");
		};
		AtomicBoolean ran = new AtomicBoolean();
		Executor executor = this.fixture.tracker.wrap("flaky", failing);
		assertThatExceptionOfType(RejectedExecutionException.class)
			.isThrownBy(() -> executor.execute(() -> ran.set(true)));
		queued.get(0).run();
		assertThat(ran).isTrue();
	}

	@Test
	void runnableItsExecutorRunsAgainRunsAgainAsUnwrapped() {
		List<Runnable> given = new ArrayList<>();
		Executor retrying = (task) -> {
			given.add(task);
			task.run();
		};
		AtomicInteger runs = new AtomicInteger();
		this.fixture.tracker.wrap("retrying", retrying).execute(runs::incrementAndGet);
		assertThat(runs).hasValue(1);
		// Run again once it finished, as an executor that retries or repeats does.
		given.get(0).run();
		given.get(0).run();
		assertThat(runs).hasValue(3);
	}

	@Test
	void futureWhoseGetInterruptsTheDetectorDoesNotStopDetection() {
		ExecutorService executor = this.fixture.tracker.wrap("interrupting",
				new InterruptingFutures(this.fixture.register(Executors.newSingleThreadExecutor())));
		TrackerFixture.awaitDone(executor.submit(() -> {
			throw new IllegalStateException("lost");
		}));
		this.fixture.awaitControlLeak();
		TrackerFixture.loseFailure(this.fixture.pool("after"));
		await().atMost(java.time.Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("after")).hasSize(1);
		});
	}

	/**
	 * A pool whose {@code newTaskFor} is its own, so that submitted tasks get views of
	 * its futures, with one queued task at most.
	 */
	static final class OwnTaskPool extends ThreadPoolExecutor {

		OwnTaskPool(java.util.concurrent.RejectedExecutionHandler handler) {
			super(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1), handler);
		}

		@Override
		protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
			return new FutureTask<>(callable);
		}

	}

	/**
	 * An executor whose futures, once done, throw {@code InterruptedException} from a
	 * timed {@code get}, as a misbehaving future of an application's may.
	 */
	static final class InterruptingFutures extends ContextExecutorService {

		InterruptingFutures(ExecutorService delegate) {
			super(delegate, new ThreadLocal<>());
		}

		@Override
		public <T> Future<T> submit(Callable<T> task) {
			Future<T> future = super.submit(task);
			return new Future<>() {

				@Override
				public boolean cancel(boolean mayInterruptIfRunning) {
					return future.cancel(mayInterruptIfRunning);
				}

				@Override
				public boolean isCancelled() {
					return future.isCancelled();
				}

				@Override
				public boolean isDone() {
					return future.isDone();
				}

				@Override
				public T get() throws InterruptedException, ExecutionException {
					return future.get();
				}

				@Override
				public T get(long timeout, TimeUnit unit) throws InterruptedException {
					throw new InterruptedException("misbehaving future");
				}

			};
		}

	}

}
