package io.github.leakedtasks.agent;

import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;

/**
 * An application that sets the common pool's parallelism in its {@code main}, as a
 * program may before its first parallel stream or {@code supplyAsync}, then loses a
 * failure there; run by {@link StandaloneAgentTests} with and without the agent.
 */
public final class CommonPoolSettingsApplication {

	private CommonPoolSettingsApplication() {
	}

	public static void main(String[] args) {
		System.setProperty("java.util.concurrent.ForkJoinPool.common.parallelism", "3");
		System.out.println("parallelism " + ForkJoinPool.getCommonPoolParallelism());
		loseFailure();
		Optional<TaskTracker> found = LeakedTasksAgent.tracker();
		if (found.isEmpty()) {
			System.out.println("no agent");
			return;
		}
		AtomicInteger notified = new AtomicInteger();
		found.get().addListener(new LeakListener() {

			@Override
			public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
				notified.incrementAndGet();
			}

		});
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (notified.get() < 1) {
			if (System.nanoTime() > deadline) {
				System.out.println("timed out");
				return;
			}
			System.gc();
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
		}
		System.out.println("reported");
	}

	private static void loseFailure() {
		CompletableFuture<Object> failed = CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException("boom after main's settings");
		});
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (!failed.isDone() && System.nanoTime() < deadline) {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(1));
		}
	}

}
