package com.example.other;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;

/**
 * The second of the tests' JVM's {@code library-packages}, given as the next element of
 * the list in the agent's options.
 */
public final class OtherLibrary {

	private OtherLibrary() {
	}

	/**
	 * Fail a future of the library's own and drop it.
	 * @param failure the failure
	 */
	public static void failAndDrop(Throwable failure) {
		new CompletableFuture<>().completeExceptionally(failure);
	}

	/**
	 * Chain the application's function on a future, as a library's API that takes one.
	 * @param <T> the result type
	 * @param future the future
	 * @param function the application's function
	 * @return the stage
	 */
	public static <T> CompletableFuture<T> transform(CompletableFuture<T> future, Function<T, T> function) {
		return future.thenApply(function);
	}

}
