package io.github.leakedtasks.agent;

import java.util.Queue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.Function;
import java.util.function.Supplier;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TraceIds;
import io.github.leakedtasks.tracking.UncaughtReport;

/**
 * An application that plugs a source of trace ids into the agent's engine, as the Spring
 * starter does with a {@code Tracer} bean, then loses failures in a trace and outside
 * one; run by {@link StandaloneAgentTests} in a JVM of its own, with creation traces off,
 * so that only the source turns the agent's creation hooks on. Prints each report's
 * message and trace id.
 */
public final class TracedApplication {

	private static final ThreadLocal<TraceIds> CURRENT = new ThreadLocal<>();

	private static final TraceIds ORDERS = new TraceIds("4bf92f3577b34da6a3ce929d0e0e4736", "00f067aa0ba902b7");

	private static final TraceIds PAYMENTS = new TraceIds("0af7651916cd43dd8448eb211c80319c", "b7ad6b7169203331");

	/** One task object with state, executed twice. */
	private static final Runnable SHARED = new Runnable() {

		private final String message = "shared task";

		@Override
		public void run() {
			throw new IllegalStateException(this.message);
		}

	};

	private TracedApplication() {
	}

	public static void main(String[] args) throws InterruptedException {
		TaskTracker tracker = LeakedTasksAgent.tracker().orElseThrow();
		Queue<String> reported = new ConcurrentLinkedQueue<>();
		tracker.addListener(new LeakListener() {

			@Override
			public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
				reported.add(report.exception().getMessage() + " -> " + report.traceIds());
			}

			@Override
			public void onUncaught(UncaughtReport report) {
				reported.add(report.exception().getMessage() + " -> " + report.traceIds());
			}

		});
		tracker.captureTraceIds(CURRENT::get);
		ExecutorService pool = Executors.newFixedThreadPool(2, (runnable) -> {
			Thread thread = new Thread(runnable);
			thread.setUncaughtExceptionHandler((failed, ex) -> {
			});
			return thread;
		});
		// Not a constant: the lambda that throws it captures it, and has state.
		String executed = String.valueOf("executed in a trace");
		CountDownLatch release = new CountDownLatch(1);
		inTrace(ORDERS, () -> {
			pool.submit(() -> {
				throw new IllegalStateException("submitted in a trace");
			});
			// Its dependent exists when it fails.
			CompletableFuture.supplyAsync(() -> {
				awaitQuietly(release);
				throw new IllegalStateException("chained before it failed");
			}, pool).thenApply(Function.identity());
			pool.execute(() -> {
				throw new IllegalStateException(executed);
			});
			pool.execute(() -> {
				throw new IllegalStateException("stateless in a trace");
			});
			pool.execute(SHARED);
		});
		release.countDown();
		pool.submit(() -> {
			throw new IllegalStateException("submitted outside");
		});
		chainAfterItFailed(pool, (source) -> source.thenApply(Function.identity()), "chained after it failed");
		chainAfterItFailed(pool, (source) -> source.handle((result, failure) -> {
			throw new IllegalStateException("thrown by a handler");
		}), "handled after it failed");
		combineWithAFailedFirstSource(pool);
		// The shared task runs again once its first run is over, in another trace.
		awaitReports(reported, "shared task", 1);
		inTrace(PAYMENTS, () -> pool.execute(SHARED));
		awaitReports(reported, "shared task", 2);
		pool.shutdown();
		pool.awaitTermination(10, TimeUnit.SECONDS);
		if (awaitReports(reported, "", 10)) {
			reported.forEach(System.out::println);
		}
	}

	/**
	 * A dependent made once its source failed, outside the source's trace.
	 */
	private static void chainAfterItFailed(ExecutorService pool,
			Function<CompletableFuture<Object>, CompletableFuture<Object>> dependent, String message) {
		CompletableFuture<Object> source = inTrace(ORDERS, () -> CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException(message);
		}, pool));
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (!source.isDone() && System.nanoTime() < deadline) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
		}
		dependent.apply(source);
	}

	/**
	 * {@code thenCombine} on a source that failed in one trace, with a second source that
	 * fails later in another: the combined stage fails with the first's failure and waits
	 * on the second's stack, whose trace it must not take.
	 */
	private static void combineWithAFailedFirstSource(ExecutorService pool) {
		CompletableFuture<Object> first = inTrace(ORDERS, () -> CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException("combined first source");
		}, pool));
		// Waited for unread: a failure received through the source is received for the
		// combined stage too, which is then not reported.
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (!first.isDone() && System.nanoTime() < deadline) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
		}
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Object> second = inTrace(PAYMENTS, () -> CompletableFuture.supplyAsync(() -> {
			awaitQuietly(release);
			throw new IllegalStateException("combined second source");
		}, pool));
		first.thenCombine(second, (a, b) -> a);
		release.countDown();
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static boolean awaitReports(Queue<String> reported, String prefix, int count) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (reported.stream().filter((report) -> report.startsWith(prefix)).count() < count) {
			if (System.nanoTime() > deadline) {
				System.out.println("timed out: " + reported);
				return false;
			}
			System.gc();
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
		}
		return true;
	}

	private static void inTrace(TraceIds ids, Runnable action) {
		inTrace(ids, () -> {
			action.run();
			return null;
		});
	}

	private static <T> T inTrace(TraceIds ids, Supplier<T> action) {
		CURRENT.set(ids);
		try {
			return action.get();
		}
		finally {
			CURRENT.remove();
		}
	}

}
