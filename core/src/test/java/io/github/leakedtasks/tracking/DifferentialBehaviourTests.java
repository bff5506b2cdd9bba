package io.github.leakedtasks.tracking;

import java.io.IOException;
import java.lang.reflect.Method;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Function;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedClass;
import org.junit.jupiter.params.provider.EnumSource;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Rule 9: the same operations on the unwrapped and the tracked executor give the same
 * results, the same exception classes and causes, the same cancellation and interrupts.
 */
@ParameterizedClass(name = "{0}")
@EnumSource(value = CreationTraceMode.class, names = { "SAMPLED", "OFF" })
class DifferentialBehaviourTests {

	private final TrackerFixture fixture;

	private final ExecutorService raw;

	private final ExecutorService tracked;

	DifferentialBehaviourTests(CreationTraceMode traceMode) {
		this.fixture = new TrackerFixture(traceMode);
		this.raw = this.fixture.register(Executors.newFixedThreadPool(2));
		this.tracked = this.fixture.tracker.wrap("tracked", this.fixture.register(Executors.newFixedThreadPool(2)));
	}

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void getOfFailedTaskThrowsTheSameExceptionChain() {
		assertSame((executor) -> outcome(() -> executor.submit(DifferentialBehaviourTests::failChecked).get()));
		assertSame((executor) -> outcome(() -> executor.submit(DifferentialBehaviourTests::failUnchecked).get()));
		assertSame(
				(executor) -> outcome(() -> executor.submit((Runnable) DifferentialBehaviourTests::failError).get()));
		assertSame((executor) -> outcome(
				() -> executor.submit(DifferentialBehaviourTests::failChecked).get(30, TimeUnit.SECONDS)));
	}

	@Test
	void resultsAreTheSame() {
		assertSame((executor) -> outcome(() -> executor.submit(() -> "value").get()));
		assertSame((executor) -> outcome(() -> executor.submit(() -> {
		}, "given").get()));
		assertSame((executor) -> outcome(() -> executor.submit(() -> {
		}).get()));
	}

	@Test
	void timedGetOfRunningTaskTimesOutTheSameWay() {
		assertSame((executor) -> {
			CountDownLatch release = new CountDownLatch(1);
			Future<Object> future = executor.submit(() -> {
				release.await();
				return null;
			});
			String outcome = outcome(() -> future.get(10, TimeUnit.MILLISECONDS));
			release.countDown();
			return outcome;
		});
	}

	@Test
	void cancellationInterruptsTheTaskAndGetThrowsTheSameWay() {
		assertSame((executor) -> {
			CountDownLatch started = new CountDownLatch(1);
			CountDownLatch interrupted = new CountDownLatch(1);
			Future<Object> future = executor.submit(() -> {
				started.countDown();
				try {
					new CountDownLatch(1).await();
				}
				catch (InterruptedException ex) {
					interrupted.countDown();
					throw ex;
				}
				return null;
			});
			await(started);
			boolean cancelled = future.cancel(true);
			await(interrupted);
			return cancelled + " " + future.isCancelled() + " " + future.isDone() + " " + outcome(future::get);
		});
	}

	@Test
	void interruptOfWaitingCallerIsDeliveredTheSameWay() {
		assertSame((executor) -> {
			CountDownLatch release = new CountDownLatch(1);
			Future<Object> future = executor.submit(() -> {
				release.await();
				return null;
			});
			Thread.currentThread().interrupt();
			String outcome = outcome(future::get) + " interrupted after: " + Thread.interrupted();
			release.countDown();
			return outcome;
		});
	}

	@Test
	void rejectionAfterShutdownThrowsTheSameException() {
		assertSame((executor) -> {
			ExecutorService single = (executor == this.raw) ? Executors.newSingleThreadExecutor()
					: this.fixture.tracker.wrap("single", Executors.newSingleThreadExecutor());
			single.shutdown();
			String outcome = outcome(() -> single.submit(() -> "late")) + " " + outcome(() -> {
				single.execute(() -> {
				});
				return null;
			});
			return outcome + " " + single.isShutdown() + " "
					+ outcome(() -> single.awaitTermination(10, TimeUnit.SECONDS));
		});
	}

	@Test
	void invokeAllAndInvokeAnyBehaveTheSame() {
		List<Callable<String>> tasks = List.of(() -> "a", () -> {
			throw new IOException("b");
		});
		assertSame((executor) -> outcome(() -> {
			List<String> outcomes = new ArrayList<>();
			for (Future<String> future : executor.invokeAll(tasks)) {
				outcomes.add(outcome(future::get));
			}
			return outcomes;
		}));
		assertSame((executor) -> outcome(() -> executor.invokeAny(List.of(tasks.get(1)))));
	}

	@Test
	void completableFutureExceptionsAreTheSame() {
		assertSameCompletable((future) -> outcome(future::join));
		assertSameCompletable((future) -> outcome(future::get));
		assertSameCompletable((future) -> outcome(() -> future.getNow("absent")));
		assertSameCompletable((future) -> outcome(() -> future.thenApply(String::length).join()));
		assertSameCompletable((future) -> outcome(() -> future.thenApply(String::length).get()));
		assertSameCompletable((future) -> outcome(() -> future.exceptionally((ex) -> describe(ex)).join()));
		assertSameCompletable((future) -> outcome(() -> future.handle((value, ex) -> describe(ex)).join()));
		assertSameCompletable((future) -> {
			AtomicReference<Throwable> seen = new AtomicReference<>();
			String outcome = outcome(() -> future.whenComplete((value, ex) -> seen.set(ex)).join());
			return outcome + " saw " + describe(seen.get());
		});
		assertSameCompletable((future) -> outcome(() -> future.thenCompose((value) -> future).join()));
		assertSameCompletable((future) -> outcome(() -> CompletableFuture.allOf(future).join()));
		assertSameCompletable((future) -> future.isCompletedExceptionally() + " " + future.isDone() + " "
				+ future.isCancelled() + " " + future.getNumberOfDependents());
	}

	@Test
	void completableFutureOnJava19MethodsBehaveTheSame() throws Exception {
		Method resultNow = findMethod("resultNow");
		Method exceptionNow = findMethod("exceptionNow");
		if (resultNow == null) {
			return;
		}
		assertSameCompletable((future) -> outcome(() -> resultNow.invoke(future)));
		assertSameCompletable((future) -> outcome(() -> exceptionNow.invoke(future)));
		assertSame((executor) -> {
			Future<Object> future = executor.submit(DifferentialBehaviourTests::failChecked);
			await(future);
			return outcome(() -> exceptionNow.invoke(future)) + " " + outcome(() -> resultNow.invoke(future));
		});
	}

	@Test
	void completableFutureCancellationBehavesTheSame() {
		assertSameCompletableOf((BlockingTask) () -> {
			new CountDownLatch(1).await();
			return "never";
		}, (future) -> future.cancel(true) + " " + outcome(future::join) + " " + future.isCancelled() + " "
				+ future.isCompletedExceptionally());
	}

	@Test
	void threadLocalsSetByUserWrapperAreSeenInsideAndOutsideTracking() throws Exception {
		ThreadLocal<String> context = new ThreadLocal<>();
		ExecutorService pool = this.fixture.register(Executors.newSingleThreadExecutor());
		ExecutorService outside = new ContextExecutorService(this.fixture.tracker.wrap("inner", pool), context);
		ExecutorService inside = this.fixture.tracker.wrap("outer", new ContextExecutorService(pool, context));
		assertThat(outside.submit(context::get).get(30, TimeUnit.SECONDS)).isEqualTo("propagated");
		assertThat(inside.submit(context::get).get(30, TimeUnit.SECONDS)).isEqualTo("propagated");
	}

	@Test
	void closeRunsTheExecutorsOwnCloseOnJava19AndLater() throws Exception {
		Method close = findExecutorClose();
		if (close == null) {
			return;
		}
		AtomicBoolean ran = new AtomicBoolean();
		ExecutorService executor = this.fixture.tracker.wrap("closing", Executors.newSingleThreadExecutor());
		executor.submit(() -> ran.set(true));
		close.invoke(executor);
		assertThat(executor.isTerminated()).isTrue();
		assertThat(ran).isTrue();
	}

	private void assertSame(Function<ExecutorService, Object> operation) {
		assertThat(normalized(operation.apply(this.tracked))).isEqualTo(normalized(operation.apply(this.raw)));
	}

	/**
	 * Identity hash codes in messages differ between any two objects.
	 */
	private static String normalized(Object outcome) {
		return String.valueOf(outcome).replaceAll("@[0-9a-f]+", "@");
	}

	private void assertSameCompletable(Function<CompletableFuture<String>, Object> operation) {
		assertSameCompletableOf(DifferentialBehaviourTests::failChecked, operation);
		assertSameCompletableOf(DifferentialBehaviourTests::failUnchecked, operation);
		assertSameCompletableOf(() -> "value", operation);
	}

	private void assertSameCompletableOf(Callable<String> task, Function<CompletableFuture<String>, Object> operation) {
		CompletableFuture<String> raw = CompletableFuture.supplyAsync(supplier(task), this.raw);
		ExecutorTracking tracking = this.fixture.tracker.executor("tracked");
		CompletableFuture<String> tracked = tracking.submitCompletable(task, null,
				(wrapped) -> CompletableFuture.supplyAsync(supplier(wrapped), this.raw));
		if (!(task instanceof BlockingTask)) {
			await(raw);
			await(tracked);
		}
		assertThat(normalized(operation.apply(tracked))).isEqualTo(normalized(operation.apply(raw)));
	}

	private static java.util.function.Supplier<String> supplier(Callable<String> task) {
		return () -> {
			try {
				return task.call();
			}
			catch (RuntimeException ex) {
				throw ex;
			}
			catch (Exception ex) {
				throw new CompletionException(ex);
			}
		};
	}

	static String outcome(Callable<?> action) {
		try {
			return "returned " + action.call();
		}
		catch (Throwable ex) {
			return "threw " + describe(ex);
		}
	}

	static String describe(Throwable ex) {
		StringBuilder chain = new StringBuilder();
		for (Throwable current = ex; current != null; current = current.getCause()) {
			chain.append(current.getClass().getName()).append('(').append(current.getMessage()).append(") ");
		}
		return chain.toString();
	}

	private static String failChecked() throws IOException {
		throw new IOException("checked");
	}

	private static String failUnchecked() {
		throw new IllegalStateException("unchecked");
	}

	private static void failError() {
		throw new AssertionError("error");
	}

	private static void await(CountDownLatch latch) {
		try {
			assertThat(latch.await(30, TimeUnit.SECONDS)).isTrue();
		}
		catch (InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void await(Future<?> future) {
		TrackerFixture.awaitDone(future);
	}

	private static Method findMethod(String name) {
		try {
			return Future.class.getMethod(name);
		}
		catch (NoSuchMethodException ex) {
			return null;
		}
	}

	private static Method findExecutorClose() {
		try {
			return ExecutorService.class.getMethod("close");
		}
		catch (NoSuchMethodException ex) {
			return null;
		}
	}

	private interface BlockingTask extends Callable<String> {

	}

}
