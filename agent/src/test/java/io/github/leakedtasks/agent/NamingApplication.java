package io.github.leakedtasks.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.TaskTracker;

/**
 * An application that loses a failure on each of several executors that no integration
 * named, run by {@link StandaloneAgentTests} in a JVM of its own with the agent attached;
 * prints the name each was reported under.
 */
public final class NamingApplication {

	private NamingApplication() {
	}

	public static void main(String[] args) throws InterruptedException {
		List<ExecutorService> pools = new ArrayList<>();
		pools.add(Executors.newFixedThreadPool(1));
		pools.add(Executors.newFixedThreadPool(1, counted("billing-")));
		pools.add(Executors.newFixedThreadPool(1, Thread::new));
		pools.add(new ForkJoinPool(1));
		CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException("lost on the default executor");
		});
		for (ExecutorService pool : pools) {
			pool.submit(() -> {
				throw new IllegalStateException("lost by submit");
			});
			CompletableFuture.supplyAsync(() -> {
				throw new IllegalStateException("lost by supplyAsync");
			}, pool);
		}
		for (ExecutorService pool : pools) {
			pool.shutdown();
			pool.awaitTermination(10, TimeUnit.SECONDS);
		}
		TaskTracker tracker = LeakedTasksAgent.tracker().orElseThrow();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		// A ForkJoinPool's submit returns a ForkJoinTask, which the agent does not track.
		while (tracker.leaks().stream().mapToLong(LeakGroup::count).sum() < 8) {
			if (System.nanoTime() > deadline) {
				System.out.println("timed out");
				break;
			}
			System.gc();
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
		}
		tracker.leaks()
			.stream()
			.map((group) -> group.executor() + ": " + group.latest().exception().getMessage())
			.sorted()
			.forEach(System.out::println);
	}

	private static ThreadFactory counted(String prefix) {
		AtomicInteger count = new AtomicInteger();
		return (runnable) -> new Thread(runnable, prefix + count.incrementAndGet());
	}

}
