package com.example.library.internal;

import java.util.concurrent.CompletableFuture;

/**
 * A subpackage of a library named in {@code library-packages}: the library's too.
 */
public final class BulkCompleter {

	private BulkCompleter() {
	}

	/**
	 * Fail a future with {@code obtrudeException}.
	 * @param future the future
	 * @param failure the failure
	 */
	public static void obtrude(CompletableFuture<?> future, Throwable failure) {
		future.obtrudeException(failure);
	}

}
