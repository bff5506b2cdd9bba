package io.github.leakedtasks.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Prints what a range of failing futures throw and hand their handlers, so that
 * {@link StandaloneAgentTests} can compare a run with the agent to one without.
 */
public final class BehaviourProbe {

	private BehaviourProbe() {
	}

	public static void main(String[] args) throws Exception {
		ExecutorService executor = Executors.newFixedThreadPool(2);
		List<String> lines = new ArrayList<>();
		probe(lines, "supplyAsync join", () -> failing().join());
		probe(lines, "supplyAsync get", () -> failing().get());
		probe(lines, "supplyAsync get timeout", () -> failing().get(10, TimeUnit.SECONDS));
		probe(lines, "thenApply join", () -> failing().thenApply((value) -> value).join());
		probe(lines, "failedFuture get", () -> CompletableFuture.failedFuture(new IllegalStateException("x")).get());
		probe(lines, "failed thenApply join",
				() -> CompletableFuture.failedFuture(new IllegalStateException("x"))
					.thenApply((value) -> value)
					.join());
		probe(lines, "exceptionally", () -> failing().exceptionally((ex) -> describe(ex)).join());
		probe(lines, "handle", () -> failing().handle((value, ex) -> describe(ex)).join());
		probe(lines, "whenComplete throwing", () -> failing().whenComplete((value, ex) -> {
			throw new IllegalArgumentException("action");
		}).join());
		probe(lines, "thenCompose failed",
				() -> CompletableFuture.completedFuture("x")
					.thenCompose((value) -> CompletableFuture.failedFuture(new IllegalStateException("inner")))
					.join());
		probe(lines, "exceptionallyCompose",
				() -> failing().exceptionallyCompose((ex) -> CompletableFuture.completedFuture(describe(ex))).join());
		// The read of the composed stage's result the agent follows: a stage whose
		// toCompletableFuture() returns null (the JDK's NullPointerException, its message
		// included), and one that fails as it is composed.
		probe(lines, "thenCompose null stage",
				() -> CompletableFuture.completedFuture("x").thenCompose((value) -> new NullStage()).join());
		probe(lines, "thenCompose pending source null stage", () -> {
			CompletableFuture<String> source = new CompletableFuture<>();
			CompletableFuture<Object> composed = source.thenCompose((value) -> new NullStage());
			source.complete("x");
			return composed.join();
		});
		probe(lines, "thenComposeAsync null stage",
				() -> CompletableFuture.completedFuture("x")
					.thenComposeAsync((value) -> new NullStage(), executor)
					.join());
		probe(lines, "exceptionallyCompose null stage",
				() -> failing().exceptionallyCompose((ex) -> new NullStage()).join());
		probe(lines, "thenCompose stage failing as composed",
				() -> CompletableFuture.completedFuture("x")
					.thenCompose((value) -> new FailsWhenComposed())
					.handle((value, ex) -> describe(ex))
					.join());
		probe(lines, "exceptionallyComposeAsync stage failing as composed",
				() -> failing().exceptionallyComposeAsync((ex) -> new FailsWhenComposed(), executor)
					.handle((value, ex) -> describe(ex))
					.join());
		probe(lines, "allOf", () -> CompletableFuture.allOf(failing(), CompletableFuture.completedFuture("x")).join());
		probe(lines, "anyOf", () -> CompletableFuture.anyOf(CompletableFuture.failedFuture(new Error("e"))).join());
		probe(lines, "orTimeout", () -> new CompletableFuture<>().orTimeout(5, TimeUnit.MILLISECONDS).join());
		probe(lines, "cancel join", () -> {
			CompletableFuture<Object> future = new CompletableFuture<>();
			future.cancel(true);
			return future.join();
		});
		probe(lines, "cancelled dependent", () -> {
			CompletableFuture<Object> future = new CompletableFuture<>();
			CompletableFuture<Object> dependent = future.thenApply((value) -> value);
			future.cancel(true);
			return dependent.join();
		});
		probe(lines, "copy", () -> failing().copy().join());
		probe(lines, "minimalCompletionStage", () -> failing().minimalCompletionStage().toCompletableFuture().join());
		probe(lines, "submit get", () -> executor.submit(() -> {
			throw new IllegalStateException("task");
		}).get());
		probe(lines, "FutureTask get", () -> {
			FutureTask<Object> task = new FutureTask<>(() -> {
				throw new java.io.IOException("io");
			});
			task.run();
			return task.get();
		});
		probe(lines, "success", () -> CompletableFuture.supplyAsync(() -> "ok").thenApply(String::length).join());
		probe(lines, "DiscardPolicy", () -> overflow(new ThreadPoolExecutor.DiscardPolicy()));
		probe(lines, "DiscardOldestPolicy", () -> overflow(new ThreadPoolExecutor.DiscardOldestPolicy()));
		probe(lines, "CallerRunsPolicy", () -> overflow(new ThreadPoolExecutor.CallerRunsPolicy()));
		probe(lines, "DiscardOldestPolicy shut down", BehaviourProbe::discardOldestOnAShutDownPool);
		probe(lines, "DiscardOldestPolicy null pool", () -> {
			new ThreadPoolExecutor.DiscardOldestPolicy().rejectedExecution(() -> {
			}, null);
			return "nothing thrown";
		});
		probe(lines, "DiscardOldestPolicy queue throws", BehaviourProbe::discardOldestWhoseQueueThrows);
		probe(lines, "DiscardOldestPolicy null queue", () -> {
			ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1)) {

				@Override
				public BlockingQueue<Runnable> getQueue() {
					return null;
				}

			};
			try {
				new ThreadPoolExecutor.DiscardOldestPolicy().rejectedExecution(() -> {
				}, pool);
				return "nothing thrown";
			}
			finally {
				pool.shutdown();
			}
		});
		probe(lines, "AbortPolicy", () -> overflow(new ThreadPoolExecutor.AbortPolicy()));
		probe(lines, "shutdownNow", BehaviourProbe::shutdownNow);
		probe(lines, "scheduled execute", BehaviourProbe::scheduledExecute);
		probe(lines, "scheduled execute shut down", BehaviourProbe::scheduledExecuteOnAShutDownPool);
		probe(lines, "scheduled execute null", () -> {
			ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
			try {
				scheduler.execute(null);
				return "nothing thrown";
			}
			finally {
				scheduler.shutdown();
			}
		});
		probe(lines, "scheduled execute decorated", BehaviourProbe::scheduledExecuteDecorated);
		probe(lines, "remove and purge", BehaviourProbe::removeAndPurge);
		executor.shutdown();
		lines.forEach(System.out::println);
	}

	/**
	 * Submit two tasks to a busy thread with room for one, and say what ran and what the
	 * futures say.
	 */
	private static String overflow(RejectedExecutionHandler policy) throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		ThreadPoolExecutor pool = busy(policy, release);
		List<String> ran = new CopyOnWriteArrayList<>();
		Future<?> first = pool.submit(() -> ran.add("first"));
		String second;
		try {
			Future<?> future = pool.submit(() -> ran.add("second"));
			second = "submitted, done " + future.isDone();
		}
		catch (RejectedExecutionException ex) {
			second = "rejected " + ex.getClass().getName();
		}
		release.countDown();
		pool.shutdown();
		boolean terminated = pool.awaitTermination(30, TimeUnit.SECONDS);
		return "ran " + ran + ", first done " + first.isDone() + " cancelled " + first.isCancelled() + ", second "
				+ second + ", terminated " + terminated + ", queue " + pool.getQueue().size();
	}

	/**
	 * {@code remove} and {@code purge} on a busy pool, watched for overdue tasks when the
	 * agent runs: what they return and leave queued.
	 */
	private static String removeAndPurge() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(4));
		LeakedTasksAgent.tracker().ifPresent((tracker) -> tracker.watchOverdue(pool));
		try {
			pool.execute(() -> {
				try {
					release.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			Runnable plain = () -> {
			};
			pool.execute(plain);
			Future<?> cancelled = pool.submit(() -> "cancelled");
			Future<?> kept = pool.submit(() -> "kept");
			cancelled.cancel(false);
			boolean removed = pool.remove(plain);
			boolean removedAgain = pool.remove(plain);
			int beforePurge = pool.getQueue().size();
			pool.purge();
			int afterPurge = pool.getQueue().size();
			release.countDown();
			return "removed " + removed + " " + removedAgain + ", queue " + beforePurge + " then " + afterPurge
					+ ", kept " + kept.get(30, TimeUnit.SECONDS);
		}
		finally {
			release.countDown();
			pool.shutdown();
		}
	}

	private static String discardOldestOnAShutDownPool() throws Exception {
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
				new ThreadPoolExecutor.DiscardOldestPolicy());
		pool.shutdown();
		List<String> ran = new CopyOnWriteArrayList<>();
		Future<?> future = pool.submit(() -> ran.add("rejected"));
		boolean terminated = pool.awaitTermination(30, TimeUnit.SECONDS);
		return "ran " + ran + ", done " + future.isDone() + ", terminated " + terminated + ", queue "
				+ pool.getQueue().size();
	}

	/**
	 * What a pool's own {@code getQueue()} throws reaches the caller, through the same
	 * frames.
	 */
	private static String discardOldestWhoseQueueThrows() {
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
				new ThreadPoolExecutor.DiscardOldestPolicy()) {

			@Override
			public BlockingQueue<Runnable> getQueue() {
				throw new IllegalStateException("no queue");
			}

		};
		try {
			new ThreadPoolExecutor.DiscardOldestPolicy().rejectedExecution(() -> {
			}, pool);
			return "nothing thrown";
		}
		catch (IllegalStateException ex) {
			StackTraceElement[] frames = ex.getStackTrace();
			return ex.getMessage() + " at " + frames[0].getMethodName() + " < " + frames[1].getClassName() + "."
					+ frames[1].getMethodName() + " < " + frames[2].getMethodName();
		}
		finally {
			pool.shutdown();
		}
	}

	/**
	 * {@code execute} on a scheduled pool: what runs, and what {@code shutdownNow} hands
	 * back of a task still queued.
	 */
	private static String scheduledExecute() throws Exception {
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch busy = new CountDownLatch(1);
		List<String> ran = new CopyOnWriteArrayList<>();
		scheduler.execute(() -> {
			busy.countDown();
			try {
				release.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				ran.add("interrupted");
			}
		});
		busy.await();
		scheduler.execute(() -> ran.add("queued"));
		List<Runnable> handedBack = scheduler.shutdownNow();
		Object task = handedBack.get(0);
		RunnableScheduledFuture<?> future = (RunnableScheduledFuture<?>) task;
		boolean terminated = scheduler.awaitTermination(30, TimeUnit.SECONDS);
		future.run();
		return "handed back " + handedBack.size() + " " + task.getClass().getName() + " periodic " + future.isPeriodic()
				+ ", delay " + (future.getDelay(TimeUnit.DAYS) <= 0) + ", terminated " + terminated + ", ran " + ran
				+ ", done " + future.isDone() + " cancelled " + future.isCancelled();
	}

	/**
	 * What {@code execute} on a shut-down scheduled pool throws, through the same frames.
	 */
	private static String scheduledExecuteOnAShutDownPool() {
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
		scheduler.shutdown();
		try {
			scheduler.execute(() -> {
			});
			return "nothing thrown";
		}
		catch (RejectedExecutionException ex) {
			List<String> frames = new ArrayList<>();
			for (StackTraceElement frame : ex.getStackTrace()) {
				frames.add(frame.getClassName().replace("java.util.concurrent.", "") + "." + frame.getMethodName());
				if (frame.getMethodName().equals("scheduledExecuteOnAShutDownPool")) {
					break;
				}
			}
			return ex.getClass().getName() + " at " + String.join(" < ", frames);
		}
	}

	/**
	 * {@code execute} on a pool whose {@code decorateTask} wraps the JDK's task: what the
	 * pool queues and runs is the decorator's.
	 */
	private static String scheduledExecuteDecorated() throws Exception {
		List<String> decorated = new CopyOnWriteArrayList<>();
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1) {

			@Override
			protected <V> RunnableScheduledFuture<V> decorateTask(Runnable runnable, RunnableScheduledFuture<V> task) {
				decorated.add(task.getClass().getSimpleName());
				return task;
			}

		};
		try {
			CountDownLatch ran = new CountDownLatch(1);
			scheduler.execute(ran::countDown);
			return "ran " + ran.await(30, TimeUnit.SECONDS) + ", decorated " + decorated;
		}
		finally {
			scheduler.shutdown();
		}
	}

	private static String shutdownNow() throws Exception {
		CountDownLatch release = new CountDownLatch(1);
		ThreadPoolExecutor pool = busy(new ThreadPoolExecutor.AbortPolicy(), release);
		Future<?> pending = pool.submit(() -> "pending");
		List<Runnable> handedBack = pool.shutdownNow();
		boolean terminated = pool.awaitTermination(30, TimeUnit.SECONDS);
		return "handed back " + handedBack.size() + " same " + (handedBack.get(0) == pending) + " done "
				+ pending.isDone() + ", terminated " + terminated + ", interrupted worker " + (release.getCount() == 1);
	}

	private static ThreadPoolExecutor busy(RejectedExecutionHandler policy, CountDownLatch release)
			throws InterruptedException {
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
				policy);
		CountDownLatch busy = new CountDownLatch(1);
		pool.execute(() -> {
			busy.countDown();
			try {
				release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		busy.await();
		return pool;
	}

	private static CompletableFuture<Object> failing() {
		return CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException("boom");
		});
	}

	/**
	 * A future whose {@code toCompletableFuture()} returns {@code null}.
	 */
	private static final class NullStage extends CompletableFuture<Object> {

		@Override
		public CompletableFuture<Object> toCompletableFuture() {
			return null;
		}

	}

	/**
	 * A future that fails in its {@code toCompletableFuture()}, once
	 * {@code CompletableFuture}'s own returned.
	 */
	private static final class FailsWhenComposed extends CompletableFuture<Object> {

		@Override
		public CompletableFuture<Object> toCompletableFuture() {
			CompletableFuture<Object> self = super.toCompletableFuture();
			completeExceptionally(new IllegalStateException("composed"));
			return self;
		}

	}

	private static void probe(List<String> lines, String name, Callable<Object> action) {
		try {
			Object result = action.call();
			lines.add(name + " -> returned " + ((result instanceof String) ? result : String.valueOf(result)));
		}
		catch (Throwable ex) {
			lines.add(name + " -> threw " + describe(ex));
		}
	}

	private static String describe(Throwable failure) {
		StringBuilder description = new StringBuilder();
		for (Throwable current = failure; current != null; current = current.getCause()) {
			description.append(current.getClass().getName())
				.append('(')
				.append(current.getMessage())
				.append(", suppressed ")
				.append(current.getSuppressed().length)
				.append(") ");
			if (current.getCause() == current) {
				break;
			}
		}
		return description.toString().trim();
	}

}
