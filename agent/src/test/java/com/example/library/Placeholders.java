package com.example.library;

import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import com.example.library.internal.BulkCompleter;

/**
 * A library's own futures, as Caffeine's {@code AsyncLoadingCache.getAll} makes them:
 * placeholders it fails when a load fails and drops, and a future it hands to the
 * application and fails later. The agent of the tests' JVM is given
 * {@code library-packages=com.example.library}.
 */
public final class Placeholders {

	private Placeholders() {
	}

	/**
	 * Fail two placeholders, one with {@code completeExceptionally} here, one with
	 * {@code obtrudeException} in a subpackage, and drop them.
	 * @param failure the failure
	 */
	public static void failAndDrop(Throwable failure) {
		CompletableFuture<Object> first = new CompletableFuture<>();
		first.completeExceptionally(failure);
		BulkCompleter.obtrude(new CompletableFuture<>(), failure);
	}

	/**
	 * Fail a placeholder through reflection and drop it.
	 * @param failure the failure
	 * @throws ReflectiveOperationException not expected
	 */
	public static void failReflectivelyAndDrop(Throwable failure) throws ReflectiveOperationException {
		CompletableFuture.class.getMethod("completeExceptionally", Throwable.class)
			.invoke(new CompletableFuture<>(), failure);
	}

	/**
	 * Chain two stages of the library's own on a future, with functions of its code, fail
	 * that future and drop them all, as the AWS SDK's response handler does with the
	 * handler it did not pick.
	 * @param failure the failure
	 */
	public static void chainFailAndDrop(Throwable failure) {
		CompletableFuture<String> source = new CompletableFuture<>();
		source.thenCompose(CompletableFuture::completedFuture).thenApply(String::length);
		source.completeExceptionally(failure);
	}

	/**
	 * Fail a future, then chain stages of the library's own on it, with functions of its
	 * code, one of each kind that carries a failure on, and drop them all: each is failed
	 * at once, with the library's failure.
	 * @param failure the failure
	 */
	public static void failChainAndDrop(Throwable failure) {
		CompletableFuture<String> source = new CompletableFuture<>();
		source.completeExceptionally(failure);
		source.thenCompose(CompletableFuture::completedFuture).thenApply(String::length);
		source.thenAccept(Placeholders::ignore);
		source.thenRun(Placeholders::nothing);
		source.thenApplyAsync(String::length);
	}

	private static void ignore(Object value) {
	}

	private static void nothing() {
	}

	/**
	 * Return a stage of the library's own on a future it fails later.
	 * @param source the future
	 * @return the stage
	 */
	public static CompletableFuture<Integer> lengthOf(CompletableFuture<String> source) {
		return source.thenApply(String::length);
	}

	/**
	 * Shut one of the library's pools down with {@code shutdownNow} and drop the tasks it
	 * hands back, as an embedded data grid does with its own pools when it shuts down.
	 * @param pool the pool
	 * @return how many tasks it handed back
	 */
	public static int shutDownNowAndDrop(ExecutorService pool) {
		return pool.shutdownNow().size();
	}

	/**
	 * Return a function of the library's code, for the application to chain.
	 * @return the function
	 */
	public static Function<String, Integer> lengthFunction() {
		return String::length;
	}

	/**
	 * Wrap an executor in one of the library's, which delegates to it.
	 * @param pool the executor
	 * @return the wrapper
	 */
	public static ExecutorService delegatingTo(ExecutorService pool) {
		return new AbstractExecutorService() {

			@Override
			public void execute(Runnable command) {
				pool.execute(command);
			}

			@Override
			public void shutdown() {
				pool.shutdown();
			}

			@Override
			public List<Runnable> shutdownNow() {
				return pool.shutdownNow();
			}

			@Override
			public boolean isShutdown() {
				return pool.isShutdown();
			}

			@Override
			public boolean isTerminated() {
				return pool.isTerminated();
			}

			@Override
			public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
				return pool.awaitTermination(timeout, unit);
			}

		};
	}

	/**
	 * Return a future the library will fail.
	 * @param <T> the result type
	 * @return the future
	 */
	public static <T> CompletableFuture<T> pending() {
		return new CompletableFuture<>();
	}

	/**
	 * Fail a future the library handed out.
	 * @param future the future
	 * @param failure the failure
	 */
	public static void fail(CompletableFuture<?> future, Throwable failure) {
		future.completeExceptionally(failure);
	}

}
