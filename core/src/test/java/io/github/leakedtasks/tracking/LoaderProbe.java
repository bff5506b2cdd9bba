package io.github.leakedtasks.tracking;

import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

/**
 * Uses the engine as an application would, loaded with the engine by a class loader of
 * its own in {@link ClassLoaderRetentionTests}: the JDK's classes only, and the engine's.
 */
public final class LoaderProbe implements Runnable {

	@Override
	public void run() {
		TaskTracker tracker = TaskTracker.create();
		ScheduledExecutorService pool = Executors.newScheduledThreadPool(1);
		try {
			ScheduledExecutorService scheduler = tracker.wrap("probe", pool);
			scheduler.schedule(() -> "scheduled", 1, TimeUnit.MILLISECONDS).get(30, TimeUnit.SECONDS);
			scheduler.submit(() -> "submitted").get(30, TimeUnit.SECONDS);
			// The wrapper is handed the JDK's own task, whose class the sampler counts.
			CompletableFuture.supplyAsync(() -> "supplied", scheduler).get(30, TimeUnit.SECONDS);
			pool.shutdown();
			if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("pool did not terminate");
			}
		}
		catch (Exception ex) {
			throw new IllegalStateException(ex);
		}
		finally {
			pool.shutdownNow();
			tracker.close();
		}
		discardOldest();
	}

	/**
	 * A pool of the application's own class drops its oldest task: what the Java agent
	 * looks up about the pool's class is not kept with it.
	 */
	private static void discardOldest() {
		CountDownLatch release = new CountDownLatch(1);
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
				new ThreadPoolExecutor.DiscardOldestPolicy()) {
		};
		try {
			pool.execute(() -> {
				try {
					release.await();
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			pool.execute(() -> {
			});
			pool.execute(() -> {
			});
		}
		finally {
			release.countDown();
			pool.shutdown();
		}
		try {
			if (!pool.awaitTermination(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("pool did not terminate");
			}
		}
		catch (InterruptedException ex) {
			throw new IllegalStateException(ex);
		}
	}

}
