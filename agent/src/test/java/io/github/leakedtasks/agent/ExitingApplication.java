package io.github.leakedtasks.agent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/**
 * A short-lived application, run by {@link StandaloneAgentTests} in a JVM of its own with
 * the agent attached: it loses two failures (or, with the argument {@code read}, reads
 * both) and exits at once, long before the grace period is over and without a collection.
 */
public final class ExitingApplication {

	/** A failure the program still holds as it exits: not reported. */
	static Future<?> held;

	private ExitingApplication() {
	}

	public static void main(String[] args) throws Exception {
		boolean read = args.length > 0 && args[0].equals("read");
		ExecutorService executor = Executors.newFixedThreadPool(1);
		CompletableFuture<?> supplied = CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException("lost by supplyAsync");
		});
		Future<?> submitted = executor.submit(() -> {
			throw new IllegalArgumentException("lost by submit");
		});
		held = executor.submit(() -> {
			throw new UnsupportedOperationException("held by a static field");
		});
		executor.shutdown();
		executor.awaitTermination(10, TimeUnit.SECONDS);
		while (!supplied.isDone()) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
		}
		if (read) {
			System.out
				.println("read " + (supplied.handle((value, ex) -> ex).get() != null) + " " + catchFailure(submitted));
		}
		System.out.println("exiting");
	}

	private static boolean catchFailure(Future<?> future) throws InterruptedException {
		try {
			future.get();
			return false;
		}
		catch (java.util.concurrent.ExecutionException ex) {
			return true;
		}
	}

}
