package com.example.other;

import java.util.concurrent.CompletableFuture;

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

}
