package io.github.leakedtasks.benchmarks;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;

import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * A burst of tiny tasks, all submitted before any is read, as the burst benchmarks run
 * it: the caller's array holds the futures, and is emptied again.
 *
 * @since 0.1.0
 */
final class Bursts {

	private Bursts() {
	}

	/**
	 * {@code submit} as many tasks as {@code futures} holds, then {@code get} each.
	 */
	static long submitThenGet(ExecutorService executor, Callable<Integer> task, Future<?>[] futures) throws Exception {
		return submitThenGet(executor, task, futures, null);
	}

	/**
	 * {@code submit} as many tasks as {@code futures} holds, run {@code afterSubmitting}
	 * if given, then {@code get} each.
	 */
	static long submitThenGet(ExecutorService executor, Callable<Integer> task, Future<?>[] futures,
			Runnable afterSubmitting) throws Exception {
		for (int i = 0; i < futures.length; i++) {
			futures[i] = executor.submit(task);
		}
		if (afterSubmitting != null) {
			afterSubmitting.run();
		}
		long sum = 0;
		for (int i = 0; i < futures.length; i++) {
			sum += (Integer) futures[i].get();
			futures[i] = null;
		}
		return sum;
	}

	/**
	 * {@code submitCompletable} as many tasks as {@code futures} holds, then {@code join}
	 * each.
	 */
	static long submitCompletableThenJoin(ThreadPoolTaskExecutor executor, Callable<Integer> task,
			CompletableFuture<?>[] futures) {
		return submitCompletableThenJoin(executor, task, futures, null);
	}

	/**
	 * {@code submitCompletable} as many tasks as {@code futures} holds, run
	 * {@code afterSubmitting} if given, then {@code join} each.
	 */
	static long submitCompletableThenJoin(ThreadPoolTaskExecutor executor, Callable<Integer> task,
			CompletableFuture<?>[] futures, Runnable afterSubmitting) {
		for (int i = 0; i < futures.length; i++) {
			futures[i] = executor.submitCompletable(task);
		}
		if (afterSubmitting != null) {
			afterSubmitting.run();
		}
		long sum = 0;
		for (int i = 0; i < futures.length; i++) {
			sum += (Integer) futures[i].join();
			futures[i] = null;
		}
		return sum;
	}

}
