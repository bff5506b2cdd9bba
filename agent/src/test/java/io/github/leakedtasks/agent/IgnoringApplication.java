package io.github.leakedtasks.agent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.github.leakedtasks.tracking.LeakStatus;
import io.github.leakedtasks.tracking.TaskTracker;

/**
 * An application that ignores two failed tasks, run by {@link StandaloneAgentTests} in a
 * JVM of its own with the agent attached.
 */
public final class IgnoringApplication {

	private IgnoringApplication() {
	}

	public static void main(String[] args) throws InterruptedException {
		ExecutorService executor = Executors.newFixedThreadPool(2);
		ignore(executor);
		executor.shutdown();
		executor.awaitTermination(10, TimeUnit.SECONDS);
		TaskTracker tracker = LeakedTasksAgent.tracker().orElseThrow();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (countLeaks(tracker) < 2) {
			if (System.nanoTime() > deadline) {
				System.out.println("timed out");
				return;
			}
			System.gc();
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
		}
		System.out.println("reported");
	}

	private static int countLeaks(TaskTracker tracker) {
		return tracker.leaks()
			.stream()
			.filter((group) -> group.status() == LeakStatus.CONFIRMED)
			.mapToInt((group) -> (int) group.count())
			.sum();
	}

	private static void ignore(ExecutorService executor) {
		CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException("boom from supplyAsync");
		});
		executor.submit(() -> {
			throw new IllegalArgumentException("boom from submit");
		});
	}

}
