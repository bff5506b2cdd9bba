package io.github.leakedtasks.agent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;

/**
 * An application that makes futures itself and loses their failures: with {@code new},
 * born failed, as a subclass, the stage the JDK makes on a {@code supplyAsync} future,
 * and the copy of a failed minimal stage; run by {@link StandaloneAgentTests} in a JVM of
 * its own. The lines of {@link #lose} are named by the tests.
 */
public final class MadeFuturesApplication {

	private MadeFuturesApplication() {
	}

	public static void main(String[] args) throws InterruptedException {
		TaskTracker tracker = LeakedTasksAgent.tracker().orElseThrow();
		// Called after the agent's own listener, which logs.
		AtomicInteger notified = new AtomicInteger();
		tracker.addListener(new LeakListener() {

			@Override
			public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
				notified.incrementAndGet();
			}

		});
		makeTheJdksOwn();
		lose();
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (notified.get() < 6) {
			if (System.nanoTime() > deadline) {
				System.out.println("timed out");
				return;
			}
			System.gc();
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
		}
		System.out.println("reported");
	}

	private static void lose() {
		new CompletableFuture<String>().completeExceptionally(new IllegalStateException("made with new"));
		CompletableFuture.failedFuture(new IllegalArgumentException("born failed"));
		new Promise<String>().completeExceptionally(new UnsupportedOperationException("made as a subclass"));
		CountDownLatch chained = new CountDownLatch(1);
		CompletableFuture.supplyAsync(() -> failAfter(chained)).thenApply(String::trim);
		chained.countDown();
		ByHelper<String> failedFirst = new ByHelper<>();
		failedFirst.completeExceptionally(new IllegalStateException("chained once failed"));
		failedFirst.thenApply(String::trim);
		CompletableFuture.failedStage(new IllegalStateException("copied once failed")).toCompletableFuture();
	}

	/**
	 * The JDK's own methods that make futures, some of them throwing on the way: the
	 * futures made after them are still told apart.
	 */
	private static void makeTheJdksOwn() {
		CompletableFuture<String> done = CompletableFuture.completedFuture("done");
		done.thenApply(String::trim).minimalCompletionStage().toCompletableFuture().join();
		CompletableFuture.allOf(done, done.copy()).join();
		CompletableFuture.anyOf(done).join();
		CompletableFuture.runAsync(() -> {
		}).join();
		for (Runnable throwing : new Runnable[] { () -> CompletableFuture.anyOf((CompletableFuture<?>[]) null),
				() -> CompletableFuture.allOf(done, null), () -> CompletableFuture.supplyAsync(null),
				() -> done.thenApply(null), () -> CompletableFuture.anyOf(new Refusing<String>()) }) {
			try {
				throwing.run();
			}
			catch (NullPointerException | UnsupportedOperationException expected) {
				// As the JDK, or the subclass, throws it.
			}
		}
	}

	private static String failAfter(CountDownLatch chained) {
		try {
			chained.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		throw new ArithmeticException("failed after it was chained");
	}

	/**
	 * A subclass, made with {@code new} in the application's code.
	 */
	static final class Promise<T> extends CompletableFuture<T> {

	}

	/**
	 * A subclass whose dependent stages are made by a helper of its own.
	 */
	static final class ByHelper<T> extends CompletableFuture<T> {

		@Override
		public <U> CompletableFuture<U> newIncompleteFuture() {
			return make();
		}

		private static <U> ByHelper<U> make() {
			return new ByHelper<>();
		}

	}

	/**
	 * A subclass that makes no dependent stage.
	 */
	static final class Refusing<T> extends CompletableFuture<T> {

		@Override
		public <U> CompletableFuture<U> newIncompleteFuture() {
			throw new UnsupportedOperationException("no stages");
		}

	}

}
