package io.github.leakedtasks.agent;

import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.FutureTask;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * The agent runs no method of an application's exception in the application's calls: its
 * hooks read the cause of the JDK's {@code CompletionException} only (a differential
 * trial saw an overridden {@code getCause()} called inside {@code completeExceptionally},
 * which the JDK does not call). Reporting a lost failure may call them, on the detector's
 * thread.
 */
class ExceptionMethodsTests {

	@Test
	void handledFailuresCallNoMethodOfTheApplicationsException() throws Exception {
		Counting failed = new Counting("completed exceptionally");
		CompletableFuture<Object> future = new CompletableFuture<>();
		assertThat(future.completeExceptionally(failed)).isTrue();
		assertThatExceptionOfType(CompletionException.class).isThrownBy(future::join).withCause(failed);
		assertThat(future.thenApply((value) -> value).handle((value, failure) -> failure).join())
			.isInstanceOf(CompletionException.class)
			.hasCause(failed);

		Counting supplied = new Counting("supplied");
		assertThat(CompletableFuture.<Throwable>supplyAsync(() -> {
			throw supplied;
		}).exceptionally((failure) -> failure).join()).isInstanceOf(CompletionException.class).hasCause(supplied);

		Counting run = new Counting("run");
		FutureTask<Object> task = new FutureTask<>(() -> {
			throw run;
		});
		task.run();
		assertThatExceptionOfType(ExecutionException.class).isThrownBy(task::get).withCause(run);

		assertThat(Counting.calls).isEmpty();
	}

	/**
	 * An exception whose methods note each call on the application's threads (not
	 * {@code getMessage}, which the JDK's {@code CompletionException} reads).
	 */
	static final class Counting extends RuntimeException {

		static final List<String> calls = new CopyOnWriteArrayList<>();

		Counting(String message) {
			super(message);
		}

		private void called(String method) {
			if (!Thread.currentThread().getName().startsWith("leaked-tasks")) {
				calls.add(method + " on " + Thread.currentThread().getName());
			}
		}

		@Override
		public synchronized Throwable getCause() {
			called("getCause");
			return super.getCause();
		}

		@Override
		public StackTraceElement[] getStackTrace() {
			called("getStackTrace");
			return super.getStackTrace();
		}

	}

}
