package io.github.leakedtasks.agent;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;

/**
 * An application that ignores two failed tasks, run by {@link StandaloneAgentTests} in a
 * JVM of its own with the agent attached.
 */
public final class IgnoringApplication {

	private IgnoringApplication() {
	}

	public static void main(String[] args) throws InterruptedException {
		Optional<TaskTracker> found = LeakedTasksAgent.tracker();
		// Called after the agent's own listener, which logs: once this one has seen both
		// leaks, both are logged and the JVM may exit.
		AtomicInteger notified = new AtomicInteger();
		found.ifPresent((tracker) -> tracker.addListener(new LeakListener() {

			@Override
			public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
				notified.incrementAndGet();
			}

		}));
		ExecutorService executor = Executors.newFixedThreadPool(2);
		ignore(executor);
		executor.shutdown();
		executor.awaitTermination(10, TimeUnit.SECONDS);
		found.orElseThrow();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (notified.get() < 2) {
			if (System.nanoTime() > deadline) {
				System.out.println("timed out");
				return;
			}
			System.gc();
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
		}
		System.out.println("reported");
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
