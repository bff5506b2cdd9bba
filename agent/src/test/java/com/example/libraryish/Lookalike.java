package com.example.libraryish;

import java.util.concurrent.CompletableFuture;

/**
 * A package whose name starts with a library's, {@code com.example.library}, but is not
 * one of its subpackages: the application's.
 */
public final class Lookalike {

	private Lookalike() {
	}

	/**
	 * Fail a future and drop it.
	 * @param failure the failure
	 */
	public static void failAndDrop(Throwable failure) {
		new CompletableFuture<>().completeExceptionally(failure);
	}

}
