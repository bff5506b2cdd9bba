package io.github.leakedtasks.agent;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.Callable;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Consumer;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.leakedtasks.agent.bootstrap.ConcurrentAccess;

import static io.github.leakedtasks.agent.AgentFixture.awaitDetectorCaughtUp;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static io.github.leakedtasks.agent.AgentFixture.reportsOf;
import static io.github.leakedtasks.agent.AgentFixture.reportsOfType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Failures that were retrieved, handled, handed on or cancelled are not reported.
 */
class HandledFailuresTests {

	private final ExecutorService executor = Executors.newFixedThreadPool(2);

	@AfterEach
	void shutdown() throws InterruptedException {
		this.executor.shutdown();
		assertThat(this.executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
	}

	@ParameterizedTest
	@ValueSource(strings = { "get", "getTimeout", "join", "getNow", "resultNow", "exceptionNow", "exceptionally",
			"handle", "whenComplete", "exceptionallyCompose", "thenComposeEnd", "thenCombine", "applyToEither", "copy",
			"minimalCompletionStage", "obtrudeValue" })
	void completableFutureFailureRetrievedIsNotReported(String how) {
		assumeThat(needsJdk19(how)).isLessThanOrEqualTo(Runtime.version().feature());
		String marker = marker();
		retrieveCompletable(marker, how);
		assertNotReported(marker);
	}

	/**
	 * A {@code MinimalStage}'s {@code isCompletedExceptionally()} throws: a stage chained
	 * on the minimal stage of a failed future still hands its failure on.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "handle", "exceptionally", "whenComplete", "thenCombine", "thenCompose" })
	void stageOnTheMinimalStageOfAFailedFutureThenHandledIsNotReported(String how) {
		String marker = marker();
		assertThat(handledOnMinimalStage(marker, how).toCompletableFuture().join()).isEqualTo("handled");
		assertNotReported(marker);
	}

	/**
	 * Chain a stage on the minimal stage of a failed future, returning only the handled
	 * end, so that the minimal stage can be collected.
	 */
	private static CompletionStage<Object> handledOnMinimalStage(String marker, String how) {
		CompletionStage<Object> minimal = CompletableFuture.failedFuture(new IllegalStateException(marker))
			.minimalCompletionStage();
		return switch (how) {
			case "handle" -> minimal.handle((value, ex) -> "handled");
			case "exceptionally" -> minimal.exceptionally((ex) -> "handled");
			case "whenComplete" -> minimal.whenComplete((value, ex) -> {
			}).exceptionally((ex) -> "handled");
			case "thenCombine" -> minimal.thenCombine(CompletableFuture.completedFuture("other"), (a, b) -> a)
				.exceptionally((ex) -> "handled");
			case "thenCompose" -> minimal.thenCompose((value) -> CompletableFuture.completedFuture(value))
				.exceptionally((ex) -> "handled");
			default -> throw new IllegalArgumentException(how);
		};
	}

	/**
	 * A failed {@code MinimalStage} given to a stage method: the JDK copies it with
	 * {@code toCompletableFuture()} into a future born failed, whose result it reads and
	 * relays to the dependent, which the application handles.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "thenCompose", "thenComposeAsync", "thenComposeLater", "exceptionallyCompose",
			"exceptionallyComposeAsync", "thenCombine", "thenCombineAsync", "thenAcceptBoth", "runAfterBoth",
			"applyToEither", "applyToEitherAsync", "applyToEitherCompleted", "acceptEither", "runAfterEither" })
	void failedMinimalStageGivenToAStageMethodThenHandledIsNotReported(String how) {
		String marker = marker();
		assertThat(handledAfterFailedMinimalStage(marker, how).join()).isEqualTo("handled");
		assertNotReported(marker);
	}

	private CompletableFuture<Object> handledAfterFailedMinimalStage(String marker, String how) {
		CompletionStage<String> failed = CompletableFuture.failedStage(new IllegalStateException(marker));
		CompletableFuture<String> ok = CompletableFuture.completedFuture("ok");
		CompletableFuture<String> pending = new CompletableFuture<>();
		CompletableFuture<?> dependent = switch (how) {
			case "thenCompose" -> ok.thenCompose((value) -> failed);
			case "thenComposeAsync" -> ok.thenComposeAsync((value) -> failed, this.executor);
			case "thenComposeLater" -> {
				CompletableFuture<String> composed = pending.thenCompose((value) -> failed);
				pending.complete("later");
				yield composed;
			}
			case "exceptionallyCompose" -> CompletableFuture.<String>failedFuture(new IllegalStateException("first"))
				.exceptionallyCompose((ex) -> failed);
			case "exceptionallyComposeAsync" ->
				CompletableFuture.<String>failedFuture(new IllegalStateException("first"))
					.exceptionallyComposeAsync((ex) -> failed, this.executor);
			case "thenCombine" -> ok.thenCombine(failed, (a, b) -> a);
			case "thenCombineAsync" -> ok.thenCombineAsync(failed, (a, b) -> a, this.executor);
			case "thenAcceptBoth" -> ok.thenAcceptBoth(failed, (a, b) -> {
			});
			case "runAfterBoth" -> ok.runAfterBoth(failed, () -> {
			});
			case "applyToEither" -> pending.applyToEither(failed, (value) -> value);
			case "applyToEitherCompleted" -> ok.applyToEither(failed, (value) -> value);
			case "applyToEitherAsync" -> pending.applyToEitherAsync(failed, (value) -> value, this.executor);
			case "acceptEither" -> pending.acceptEither(failed, (value) -> {
			});
			case "runAfterEither" -> pending.runAfterEither(failed, () -> {
			});
			default -> throw new IllegalArgumentException(how);
		};
		return dependent.handle((value, ex) -> "handled");
	}

	/**
	 * A {@code MinimalStage} still pending when a stage method copies it: the copy waits
	 * on the minimal stage, which waits on its future; the failure that comes later is
	 * relayed along the three to the dependent, which the application handles.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "thenCompose", "thenComposeAsync", "exceptionallyCompose", "thenCombine", "runAfterBoth",
			"applyToEither", "acceptEither" })
	void pendingMinimalStageGivenToAStageMethodThatFailsLaterThenHandledIsNotReported(String how) {
		String marker = marker();
		CompletableFuture<String> source = new CompletableFuture<>();
		CompletableFuture<Object> handled = stageOnAPendingMinimalStage(source.minimalCompletionStage(), how,
				this.executor)
			.handle((value, ex) -> (ex != null) ? "handled" : value);
		assertThat(handled).isNotDone();
		source.completeExceptionally(new IllegalStateException(marker));
		assertThat(handled.join()).isEqualTo("handled");
		assertNotReported(marker);
	}

	/**
	 * The race of a {@code thenComposeAsync} whose function returns a pending minimal
	 * stage failed at that moment on the calling thread: the pool copies the stage and
	 * pushes the relay to the composed future on the copy as the caller's completion
	 * chain reaches the copy, and both fire the relay; the one that loses the composed
	 * future's completion may fire its dependent (the application's {@code handle})
	 * before the winner's hook reads the composed future's stack. Before the stack was
	 * read ahead of the completion, about one round in a hundred, then a few in 10,000,
	 * were reported.
	 */
	@Test
	void thenComposeAsyncOverAPendingMinimalStageFailedMeanwhileThenHandledIsNotReported() {
		String marker = marker();
		for (int i = 0; i < 3_000; i++) {
			CompletableFuture<String> source = new CompletableFuture<>();
			CompletionStage<String> minimal = source.minimalCompletionStage();
			CompletableFuture<Object> handled = CompletableFuture.completedFuture("ok")
				.thenComposeAsync((value) -> minimal, this.executor)
				.handle((value, ex) -> (ex != null) ? "handled" : value);
			source.completeExceptionally(new IllegalStateException(marker));
			assertThat(handled.join()).isEqualTo("handled");
		}
		assertNotReported(marker);
	}

	/**
	 * The stage a compose function returned fails between its
	 * {@code toCompletableFuture()} and the JDK's read of its result, which relays the
	 * failure to the composed future with no call a hook of a method sees (a direct write
	 * or {@code completeRelay} of the result alone). The stage's own
	 * {@code toCompletableFuture()} fails it here, on another thread, so the window is
	 * hit every time; a review's stress programs hit it a few times in 20,000 rounds of
	 * plain {@code supplyAsync} stages. Each of the four composing bodies:
	 * {@code uniComposeStage} (a source complete), {@code UniCompose.tryFire} (a source
	 * pending, or async), and their {@code exceptionallyCompose} twins.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "thenCompose", "thenComposeOnAPendingSource", "thenComposeAsync", "exceptionallyCompose",
			"exceptionallyComposeOnAPendingSource", "exceptionallyComposeAsync" })
	void stageThatFailsAsItIsComposedThenHandledIsNotReported(String how) {
		String marker = marker();
		composeFailingStageAndHandle(marker, how, this.executor);
		assertNotReported(marker);
	}

	/**
	 * Apart, so that nothing of the test's frame keeps the stage that failed.
	 */
	private static void composeFailingStageAndHandle(String marker, String how, Executor executor) {
		FailsWhenComposed composed = new FailsWhenComposed(marker);
		CompletableFuture<Object> handled = composeFailingStage(composed, how, executor)
			.handle((value, ex) -> (ex != null) ? ex.getCause() : value);
		assertThat(handled.join()).isInstanceOfSatisfying(IllegalStateException.class,
				(ex) -> assertThat(ex).hasMessage(marker));
		assertThat(composed.failedInToCompletableFuture).isTrue();
	}

	/**
	 * The other window of a composing method: it read the stage pending, then the stage
	 * failed on another thread, whose hook found nothing waiting on it, then the method
	 * pushed its relay on the stage, which fires it at once ({@code unipush} calls
	 * {@code UniRelay.tryFire(SYNC)}). No code of the application's runs in that window,
	 * so the relay is made and fired here as {@code unipush} does, on a stage failed
	 * before. Stress programs of {@code thenComposeAsync(x -> supplyAsync(failing))} on a
	 * pool, handled, saw 14 in 60,000 rounds reported on JDK 17 before.
	 */
	@Test
	void stageThatFailsJustBeforeItsRelayIsPushedThenHandledIsNotReported() throws Exception {
		String marker = marker();
		CompletableFuture<String> composed = relayFiredOnAFailedStage(failedStage(marker), false);
		assertThat(composed.handle((value, ex) -> ex.getCause()).join()).hasMessage(marker);
		assertNotReported(marker);
	}

	/**
	 * Return a future failed with the marker, by the application.
	 */
	static CompletableFuture<String> failedStage(String marker) {
		CompletableFuture<String> stage = new CompletableFuture<>();
		stage.completeExceptionally(new IllegalStateException(marker));
		return stage;
	}

	/**
	 * Fire a relay from a failed stage to a new future as {@code unipush} does, the
	 * future cancelled first or not, and return the future. The relay's class is reached
	 * through the bridge's lookup, which this test, of the agent's package and loader, is
	 * admitted to.
	 */
	static CompletableFuture<String> relayFiredOnAFailedStage(CompletableFuture<String> stage, boolean cancelledFirst)
			throws Exception {
		assertThat(stage).isCompletedExceptionally();
		CompletableFuture<String> composed = new CompletableFuture<>();
		if (cancelledFirst) {
			composed.cancel(false);
		}
		Class<?> relay = Class.forName("java.util.concurrent.CompletableFuture$UniRelay");
		MethodHandles.Lookup lookup = ConcurrentAccess.privateLookupIn(relay);
		try {
			Object relaying = lookup
				.findConstructor(relay,
						MethodType.methodType(void.class, CompletableFuture.class, CompletableFuture.class))
				.invoke(composed, stage);
			// CompletableFuture.SYNC
			lookup.findVirtual(relay, "tryFire", MethodType.methodType(CompletableFuture.class, int.class))
				.invoke(relaying, 0);
		}
		catch (Error | Exception ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
		assertThat(composed).isCompletedExceptionally();
		return composed;
	}

	/**
	 * Compose, in the way named, a stage whose function returns {@code composed}.
	 */
	static CompletableFuture<String> composeFailingStage(CompletableFuture<String> composed, String how,
			Executor executor) {
		return switch (how) {
			case "thenCompose" -> CompletableFuture.completedFuture("ok").thenCompose((value) -> composed);
			case "thenComposeOnAPendingSource" -> {
				CompletableFuture<String> source = new CompletableFuture<>();
				CompletableFuture<String> stage = source.thenCompose((value) -> composed);
				source.complete("ok");
				yield stage;
			}
			case "thenComposeAsync" ->
				CompletableFuture.completedFuture("ok").thenComposeAsync((value) -> composed, executor);
			case "exceptionallyCompose" -> CompletableFuture.<String>failedFuture(new IllegalStateException("first"))
				.exceptionallyCompose((ex) -> composed);
			case "exceptionallyComposeOnAPendingSource" -> {
				CompletableFuture<String> source = new CompletableFuture<>();
				CompletableFuture<String> stage = source.exceptionallyCompose((ex) -> composed);
				source.completeExceptionally(new IllegalStateException("first"));
				yield stage;
			}
			case "exceptionallyComposeAsync" ->
				CompletableFuture.<String>failedFuture(new IllegalStateException("first"))
					.exceptionallyComposeAsync((ex) -> composed, executor);
			default -> throw new IllegalArgumentException(how);
		};
	}

	/**
	 * A future of the application's that another thread fails while its
	 * {@code toCompletableFuture()} runs, after {@code CompletableFuture}'s own returned:
	 * what a composing method reads next is a failure nothing was waiting for.
	 */
	static final class FailsWhenComposed extends CompletableFuture<String> {

		private final String marker;

		volatile boolean failedInToCompletableFuture;

		FailsWhenComposed(String marker) {
			this.marker = marker;
		}

		@Override
		public CompletableFuture<String> toCompletableFuture() {
			CompletableFuture<String> self = super.toCompletableFuture();
			if (!isDone()) {
				Thread failing = new Thread(() -> completeExceptionally(new IllegalStateException(this.marker)));
				failing.start();
				try {
					failing.join(TimeUnit.SECONDS.toMillis(30));
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
				this.failedInToCompletableFuture = isCompletedExceptionally();
			}
			return self;
		}

	}

	/**
	 * Make a stage of the kind named on a pending minimal stage.
	 */
	static CompletableFuture<?> stageOnAPendingMinimalStage(CompletionStage<String> minimal, String how,
			Executor executor) {
		CompletableFuture<String> ok = CompletableFuture.completedFuture("ok");
		return switch (how) {
			case "thenCompose" -> ok.thenCompose((value) -> minimal);
			case "thenComposeAsync" -> ok.thenComposeAsync((value) -> minimal, executor);
			case "exceptionallyCompose" -> CompletableFuture.<String>failedFuture(new IllegalStateException("first"))
				.exceptionallyCompose((ex) -> minimal);
			case "thenCombine" -> ok.thenCombine(minimal, (a, b) -> a);
			case "runAfterBoth" -> ok.runAfterBoth(minimal, () -> {
			});
			case "applyToEither" -> new CompletableFuture<String>().applyToEither(minimal, (value) -> value);
			case "acceptEither" -> new CompletableFuture<String>().acceptEither(minimal, (value) -> {
			});
			default -> throw new IllegalArgumentException(how);
		};
	}

	@ParameterizedTest
	@ValueSource(strings = { "get", "getTimeout", "resultNow", "exceptionNow" })
	void submittedTaskFailureRetrievedIsNotReported(String how) throws Exception {
		assumeThat(needsJdk19(how)).isLessThanOrEqualTo(Runtime.version().feature());
		String marker = marker();
		retrieveSubmitted(marker, how);
		assertNotReported(marker);
	}

	/**
	 * A failure carried on by a stage that is dropped (its result ignored) was not lost
	 * when a reader or a handler received it through the future or another of its stages:
	 * failed before, while or after the stages are made, on the caller's thread or a
	 * pool's.
	 */
	@ParameterizedTest
	@CsvSource({ "whenComplete, failed", "whenComplete, async", "whenComplete, later", "join, failed", "join, async",
			"join, later", "joinFirst, failed", "joinFirst, async", "exceptionally, failed", "exceptionally, async",
			"exceptionally, later", "handleJoined, failed", "handleJoined, async", "handleJoined, later",
			"handledStage, failed", "handledStage, async", "handledStage, later", "exceptionallyAsync, async",
			"get, later", "whenCompleteAsync, later" })
	void failureReceivedBesideADroppedStageIsNotReported(String how, String source) throws Exception {
		String marker = marker();
		receiveBesideADroppedStage(marker, how, source);
		assertNotReported(marker);
	}

	private void receiveBesideADroppedStage(String marker, String how, String source) throws Exception {
		CountDownLatch go = new CountDownLatch(1);
		CompletableFuture<String> future = switch (source) {
			case "failed" -> CompletableFuture.failedFuture(new IllegalStateException(marker));
			case "async" -> CompletableFuture.supplyAsync(() -> {
				throw new IllegalStateException(marker);
			}, this.executor);
			default -> CompletableFuture.supplyAsync(() -> {
				awaitQuietly(go);
				throw new IllegalStateException(marker);
			}, this.executor);
		};
		CompletableFuture<?> received = switch (how) {
			case "whenComplete" -> future.whenComplete((value, ex) -> {
			});
			case "whenCompleteAsync" -> future.whenCompleteAsync((value, ex) -> {
			}, this.executor);
			case "exceptionally" -> future.exceptionally((ex) -> "handled");
			case "exceptionallyAsync" -> future.exceptionallyAsync((ex) -> "handled", this.executor);
			case "handledStage" -> future.thenApply(String::length).handle((value, ex) -> 0);
			default -> null;
		};
		if (how.equals("joinFirst")) {
			assertThatExceptionOfType(CompletionException.class).isThrownBy(future::join);
		}
		CompletableFuture<Integer> dropped = future.thenApply(String::length);
		go.countDown();
		switch (how) {
			case "join" -> assertThatExceptionOfType(CompletionException.class).isThrownBy(future::join);
			case "get" ->
				assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> future.get(30, TimeUnit.SECONDS));
			case "handleJoined" -> assertThat(future.handle((value, ex) -> 0).join()).isZero();
			default -> {
				if (received != null) {
					awaitDone(received);
				}
			}
		}
		awaitDone(dropped);
	}

	/**
	 * Two inputs complete on two threads while the caller combines them and handles the
	 * combined stage: the handler's completion may be fired by the other input's thread
	 * before the hook of the thread that failed the stage reads its stack. Repeated: the
	 * race was seen about once in 150 rounds.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "thenCombine", "allOf", "applyToEither" })
	void failedInputOfAHandledCombinedStageIsNotReportedUnderRaces(String how) {
		List<String> markers = new java.util.ArrayList<>();
		for (int i = 0; i < 500; i++) {
			String marker = marker();
			markers.add(marker);
			CompletableFuture<Integer> failing = CompletableFuture.supplyAsync(() -> {
				throw new IllegalStateException(marker);
			}, this.executor);
			CompletableFuture<Integer> other = CompletableFuture.supplyAsync(() -> 1, this.executor);
			CompletableFuture<?> combined = switch (how) {
				case "thenCombine" -> failing.thenCombine(other, Integer::sum);
				case "allOf" -> CompletableFuture.allOf(failing, other);
				default -> failing.applyToEither(other, (value) -> value);
			};
			assertThat(combined.handle((value, ex) -> 0).join()).isZero();
		}
		awaitDetectorCaughtUp();
		assertThat(markers.stream().flatMap((marker) -> reportsOf(marker).stream())).isEmpty();
	}

	@Test
	void cancelledCompletableFutureIsNotReported() {
		CompletableFuture<Object> future = new CompletableFuture<>();
		future.thenApply((value) -> value);
		future.cancel(false);
		assertThat(future.isCancelled()).isTrue();
		awaitDetectorCaughtUp();
		assertThat(reportsOfType(CancellationException.class)).isEmpty();
	}

	@Test
	void cancelledFutureTaskIsNotReported() {
		String marker = marker();
		FutureTask<Object> task = new FutureTask<>(() -> {
			throw new IllegalStateException(marker);
		});
		task.cancel(false);
		task.run();
		assertNotReported(marker);
	}

	@Test
	void allOfOverAlreadyFailedFutureThenHandledIsNotReported() {
		String marker = marker();
		allOfOverAlreadyFailed(marker);
		assertNotReported(marker);
	}

	/**
	 * Over more than two inputs, {@code allOf} builds a tree of futures of its own: a
	 * part whose inputs had all completed, one of them failed, is born failed and read by
	 * the part above it through its field.
	 */
	@ParameterizedTest
	@ValueSource(ints = { 3, 4, 5, 8 })
	void allOfOverManyWithAFailedInputAndOnePendingThenHandledIsNotReported(int inputs) {
		String marker = marker();
		CompletableFuture<Object> pending = new CompletableFuture<>();
		CompletableFuture<?>[] futures = allOfInputs(marker, inputs);
		futures[inputs - 1] = pending;
		CompletableFuture<Void> all = CompletableFuture.allOf(futures);
		pending.complete("last");
		assertThatExceptionOfType(CompletionException.class).isThrownBy(all::join)
			.withCauseInstanceOf(IllegalStateException.class);
		assertNotReported(marker);
	}

	@ParameterizedTest
	@ValueSource(ints = { 3, 4, 5, 8 })
	void allOfOverManyAlreadyCompletedWithAFailedInputThenHandledIsNotReported(int inputs) {
		String marker = marker();
		CompletableFuture<Void> all = CompletableFuture.allOf(allOfInputs(marker, inputs));
		assertThat(all.handle((value, ex) -> ex).join()).hasRootCauseMessage(marker);
		assertNotReported(marker);
	}

	@Test
	void allOfOverTasksThatFailedAndOneStillRunningThenHandledIsNotReported() throws Exception {
		String marker = marker();
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<Object> failed = CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException(marker);
		}, this.executor);
		CompletableFuture<String> succeeded = CompletableFuture.supplyAsync(() -> "ok", this.executor);
		CompletableFuture<String> running = CompletableFuture.supplyAsync(() -> {
			awaitQuietly(release);
			return "last";
		}, this.executor);
		await().atMost(Duration.ofSeconds(30)).until(() -> failed.isDone() && succeeded.isDone());
		CompletableFuture<Void> all = CompletableFuture.allOf(failed, succeeded, running);
		release.countDown();
		assertThatExceptionOfType(CompletionException.class).isThrownBy(all::join)
			.withCauseInstanceOf(IllegalStateException.class);
		assertNotReported(marker);
	}

	@Test
	void invokeAnyLoserThatFailedBeforeTheWinnerWasReadIsNotReported() throws Exception {
		String marker = marker();
		CountDownLatch bothMade = new CountDownLatch(2);
		CountDownLatch release = new CountDownLatch(1);
		List<FutureTask<?>> made = new CopyOnWriteArrayList<>();
		// The winner's get lets the loser fail first: invokeAny then returns without
		// reading the loser, and cancels it too late.
		ThreadPoolExecutor pool = new ThreadPoolExecutor(2, 2, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>()) {

			@Override
			protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
				FutureTask<T> task = new FutureTask<>(callable) {

					@Override
					public T get() throws InterruptedException, ExecutionException {
						if (made.get(0) == this) {
							release.countDown();
							await().atMost(Duration.ofSeconds(30)).until(() -> made.get(1).isDone());
						}
						return super.get();
					}

				};
				made.add(task);
				bothMade.countDown();
				return task;
			}

		};
		try {
			Object result = pool.invokeAny(List.<Callable<Object>>of(() -> {
				awaitQuietly(bothMade);
				return "won";
			}, () -> {
				awaitQuietly(release);
				throw new IllegalStateException(marker);
			}));
			assertThat(result).isEqualTo("won");
			assertThat(made).hasSize(2);
			// Failed (it can only throw) before invokeAny cancelled it: neither read nor
			// cancelled.
			assertThat(made.get(1).isDone()).isTrue();
			assertThat(made.get(1).isCancelled()).isFalse();
			// Let go of both, so that the collector can find the loser unread.
			made.clear();
		}
		finally {
			pool.shutdown();
			assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}
		assertNotReported(marker);
	}

	/**
	 * The failure {@code invokeAll} swallowed while it waited, read by its caller from
	 * the future it returned.
	 */
	@ParameterizedTest
	@CsvSource({ "pool, false", "pool, true", "scheduled, false", "virtual, false", "virtual, true" })
	void failureInvokeAllSwallowedWhileWaitingThenReadByTheCallerIsNotReported(String kind, boolean timed)
			throws Exception {
		assumeThat(FailsWhileAwaited.runsHere(kind)).isTrue();
		String marker = marker();
		ExecutorService executor = FailsWhileAwaited.executor(kind);
		try {
			Future<Object> future = FailsWhileAwaited.invokeAll(executor, marker, timed).get(0);
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(future::get)
				.withCauseInstanceOf(IllegalStateException.class);
		}
		finally {
			executor.shutdown();
			assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}
		assertNotReported(marker);
	}

	@Test
	void invokeAllThatThrowsAfterATaskFailedIsNotReported() {
		String marker = marker();
		RejectingSecond executor = new RejectingSecond();
		assertThatExceptionOfType(RejectedExecutionException.class)
			.isThrownBy(() -> executor.invokeAll(List.<Callable<Object>>of(() -> {
				throw new IllegalStateException(marker);
			}, () -> "never run")));
		assertNotReported(marker);
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void invokeAllOfVirtualThreadsInterruptedAfterATaskFailedIsNotReported(boolean timed) throws Exception {
		assumeThat(Runtime.version().feature()).isGreaterThanOrEqualTo(21);
		String marker = marker();
		ExecutorService executor = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
			.invoke(null);
		AtomicReference<Thread> failing = new AtomicReference<>();
		CountDownLatch failingStarted = new CountDownLatch(1);
		CountDownLatch failed = new CountDownLatch(1);
		CountDownLatch never = new CountDownLatch(1);
		List<Callable<Object>> tasks = List.of(() -> {
			// The first task: invokeAll waits for it while the second fails.
			awaitQuietly(failingStarted);
			failing.get().join();
			failed.countDown();
			never.await();
			return "never";
		}, () -> {
			failing.set(Thread.currentThread());
			failingStarted.countDown();
			throw new IllegalStateException(marker);
		});
		try {
			// Once the second task's thread ended, its future failed, and invokeAll,
			// waiting for the first, has not read it. Interrupted, invokeAll cancels the
			// rest and throws: the caller never gets the list.
			interruptedInvokeAll(executor, tasks, timed, failed);
			// A thread keeps its task, here the second future: let go of both.
			failing.set(null);
		}
		finally {
			executor.shutdown();
			assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}
		assertNotReported(marker);
	}

	/**
	 * A task that failed before the virtual-thread executor's {@code invokeAll} came to
	 * it is not read by it either ({@code if (!f.isDone()) f.get()}): interrupted later,
	 * the method lets go of it with the list.
	 */
	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void invokeAllOfVirtualThreadsInterruptedAfterAnEarlierTaskFailedIsNotReported(boolean timed) throws Exception {
		assumeThat(Runtime.version().feature()).isGreaterThanOrEqualTo(21);
		String marker = marker();
		ExecutorService executor = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
			.invoke(null);
		CountDownLatch secondStarted = new CountDownLatch(1);
		CountDownLatch never = new CountDownLatch(1);
		FirstFailsFirst tasks = new FirstFailsFirst(marker, () -> {
			secondStarted.countDown();
			never.await();
			return "never";
		});
		try {
			// Once both are submitted, invokeAll found the first done, and waits for the
			// second.
			interruptedInvokeAll(executor, tasks, timed, secondStarted);
		}
		finally {
			executor.shutdown();
			assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}
		assertNotReported(marker);
	}

	/**
	 * An {@code either} stage stops listening to the other source once one completed: a
	 * source that fails after the other won is handed on, as {@code anyOf}'s losers are
	 * (the Java 8 timeout idiom {@code future.applyToEither(failAfter(timeout),
	 * identity())} fails its timeout future after every call that was in time).
	 */
	@ParameterizedTest
	@ValueSource(strings = { "applyToEither", "acceptEither", "runAfterEither", "loserIsTheSource", "timeoutIdiom",
			"minimalStageLoses" })
	void eitherSourceThatFailsAfterTheOtherWonIsNotReported(String how) {
		String marker = marker();
		eitherLoserFailingLater(marker, how);
		assertNotReported(marker);
	}

	private void eitherLoserFailingLater(String marker, String how) {
		CountDownLatch decided = new CountDownLatch(1);
		CompletableFuture<Object> loser;
		if (how.equals("timeoutIdiom")) {
			CompletableFuture<Object> timeout = new CompletableFuture<>();
			this.executor.execute(() -> {
				awaitQuietly(decided);
				timeout.completeExceptionally(new TimeoutException(marker));
			});
			loser = timeout;
		}
		else {
			loser = CompletableFuture.supplyAsync(() -> {
				awaitQuietly(decided);
				throw new IllegalStateException(marker);
			}, this.executor);
		}
		CompletableFuture<Object> winner = new CompletableFuture<>();
		CompletableFuture<?> either = switch (how) {
			case "applyToEither", "timeoutIdiom" -> winner.applyToEither(loser, (value) -> value);
			case "acceptEither" -> winner.acceptEither(loser, (value) -> {
			});
			case "runAfterEither" -> winner.runAfterEither(loser, () -> {
			});
			case "loserIsTheSource" -> loser.applyToEither(winner, (value) -> value);
			// The JDK races a copy of the minimal stage, which fails after the race.
			case "minimalStageLoses" -> winner.applyToEither(loser.minimalCompletionStage(), (value) -> value);
			default -> throw new IllegalArgumentException(how);
		};
		winner.complete("won");
		either.join();
		decided.countDown();
		await().atMost(Duration.ofSeconds(30)).until(loser::isDone);
		assertThat(loser.isCompletedExceptionally()).isTrue();
	}

	/**
	 * A task that is itself a future (a {@code ForkJoinTask}, Guava's periodic task) run
	 * by an executor keeps its failure and throws it to the executor's own
	 * {@code FutureTask}, which the application does not read: it reads the task.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "submitForkJoinTask", "executeForkJoinTaskOnScheduler", "periodicFutureTask",
			"submitForkJoinTaskToAWrappedScheduler", "submitForkJoinTaskToAWrappedPoolOfComparableTasks" })
	void taskThatIsItselfAFutureReadThroughItselfIsNotReported(String how) throws Exception {
		String marker = marker();
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
		try {
			Future<Object> task = switch (how) {
				case "submitForkJoinTask" -> {
					ForkJoinTask<Object> adapted = ForkJoinTask.adapt(() -> {
						throw new IllegalStateException(marker);
					});
					this.executor.submit((Runnable) adapted);
					yield adapted;
				}
				case "executeForkJoinTaskOnScheduler" -> {
					ForkJoinTask<Object> adapted = ForkJoinTask.adapt(() -> {
						throw new IllegalStateException(marker);
					});
					scheduler.execute((Runnable) adapted);
					yield adapted;
				}
				case "submitForkJoinTaskToAWrappedScheduler" -> {
					// The wrapper's task inside the scheduled pool's own future, which
					// the
					// agent sees fail.
					ForkJoinTask<Object> adapted = ForkJoinTask.adapt(() -> {
						throw new IllegalStateException(marker);
					});
					LeakedTasksAgent.tracker().orElseThrow().wrap(marker, scheduler).submit((Runnable) adapted);
					yield adapted;
				}
				case "submitForkJoinTaskToAWrappedPoolOfComparableTasks" -> {
					// The wrapper hands out the pool's own future, which no view can
					// stand
					// in for: the agent sees it fail.
					ForkJoinTask<Object> adapted = ForkJoinTask.adapt(() -> {
						throw new IllegalStateException(marker);
					});
					ThreadPoolExecutor pool = new ComparableTasksPool();
					try {
						Future<?> own = LeakedTasksAgent.tracker()
							.orElseThrow()
							.wrap(marker, pool)
							.submit((Runnable) adapted);
						assertThat(own).isInstanceOf(Comparable.class);
					}
					finally {
						pool.shutdown();
					}
					yield adapted;
				}
				case "periodicFutureTask" -> {
					RethrowingTask rethrowing = new RethrowingTask(marker);
					scheduler.scheduleAtFixedRate(rethrowing, 0, 1, TimeUnit.HOURS);
					yield rethrowing;
				}
				default -> throw new IllegalArgumentException(how);
			};
			assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> task.get(30, TimeUnit.SECONDS))
				.havingRootCause()
				.withMessage(marker);
		}
		finally {
			scheduler.shutdown();
			assertThat(scheduler.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}
		assertNotReported(marker);
	}

	/**
	 * Call {@code invokeAll} on a thread of its own, interrupt that thread once
	 * {@code ready} is counted down, and check that {@code invokeAll} threw.
	 */
	private static void interruptedInvokeAll(ExecutorService executor, Collection<Callable<Object>> tasks,
			boolean timed, CountDownLatch ready) throws InterruptedException {
		AtomicReference<Throwable> thrown = new AtomicReference<>();
		Thread caller = new Thread(() -> {
			try {
				if (timed) {
					executor.invokeAll(tasks, 1, TimeUnit.DAYS);
				}
				else {
					executor.invokeAll(tasks);
				}
			}
			catch (Throwable ex) {
				thrown.set(ex);
			}
		});
		caller.start();
		assertThat(ready.await(30, TimeUnit.SECONDS)).isTrue();
		caller.interrupt();
		caller.join(30_000);
		assertThat(caller.isAlive()).isFalse();
		assertThat(thrown.get()).isInstanceOf(InterruptedException.class);
	}

	@Test
	void anyOfOverAlreadyFailedFutureThenHandledIsNotReported() {
		String marker = marker();
		anyOfOverAlreadyFailed(marker);
		assertNotReported(marker);
	}

	@Test
	void anyOfInputThatFailsAfterTheWinnerIsNotReported() {
		String marker = marker();
		anyOfLoserFailingLater(marker);
		assertNotReported(marker);
	}

	@Test
	void allOfOverFailingFutureThenHandledIsNotReported() {
		String marker = marker();
		allOfOverFailing(marker);
		assertNotReported(marker);
	}

	@Test
	void orTimeoutHandledIsNotReported() {
		Object timeout = timedOutHandled();
		assertThat(timeout).isInstanceOf(TimeoutException.class);
		awaitDetectorCaughtUp();
		// This test's own timeout, alone or as a cause: another test's may be reported.
		assertThat(reportsOfType(Throwable.class))
			.noneMatch((report) -> report.exception() == timeout || report.exception().getCause() == timeout);
	}

	@Test
	void successfulTasksAreNotReported() throws Exception {
		int before = reportsOfType(Throwable.class).size();
		assertThat(CompletableFuture.supplyAsync(() -> "ok").thenApply(String::length).join()).isEqualTo(2);
		assertThat(this.executor.submit(() -> "ok").get()).isEqualTo("ok");
		CompletableFuture.runAsync(() -> {
		}).join();
		awaitDetectorCaughtUp();
		assertThat(reportsOfType(Throwable.class)).hasSize(before);
	}

	private static Object timedOutHandled() {
		return new CompletableFuture<>().orTimeout(10, TimeUnit.MILLISECONDS).exceptionally((ex) -> ex).join();
	}

	private static void allOfOverAlreadyFailed(String marker) {
		CompletableFuture<Object> failed = CompletableFuture.failedFuture(new IllegalStateException(marker));
		CompletableFuture.allOf(failed, CompletableFuture.completedFuture("ok")).exceptionally((ex) -> null).join();
	}

	/**
	 * The inputs of {@code allOf}: the first failed, the others completed.
	 */
	private static CompletableFuture<?>[] allOfInputs(String marker, int inputs) {
		CompletableFuture<?>[] futures = new CompletableFuture<?>[inputs];
		futures[0] = CompletableFuture.failedFuture(new IllegalStateException(marker));
		for (int i = 1; i < inputs; i++) {
			futures[i] = CompletableFuture.completedFuture("ok");
		}
		return futures;
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			if (!latch.await(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("Never released");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private static void anyOfOverAlreadyFailed(String marker) {
		CompletableFuture<Object> failed = CompletableFuture.failedFuture(new IllegalStateException(marker));
		CompletableFuture.anyOf(failed, new CompletableFuture<>()).exceptionally((ex) -> null).join();
	}

	private static void anyOfLoserFailingLater(String marker) {
		CompletableFuture<Object> loser = new CompletableFuture<>();
		CompletableFuture.anyOf(CompletableFuture.completedFuture("winner"), loser).join();
		loser.completeExceptionally(new IllegalStateException(marker));
	}

	private static void allOfOverFailing(String marker) {
		CompletableFuture<Object> pending = new CompletableFuture<>();
		CompletableFuture<Void> all = CompletableFuture.allOf(pending).exceptionally((ex) -> null);
		pending.completeExceptionally(new IllegalStateException(marker));
		all.join();
	}

	private static int needsJdk19(String how) {
		return (how.equals("resultNow") || how.equals("exceptionNow")) ? 19 : 17;
	}

	private static void retrieveCompletable(String marker, String how) {
		CompletableFuture<Object> future = CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException(marker);
		});
		Consumer<CompletableFuture<Object>> retrieve = switch (how) {
			case "get" -> (f) -> assertThatExceptionOfType(ExecutionException.class).isThrownBy(f::get);
			case "getTimeout" -> (f) -> assertThatExceptionOfType(ExecutionException.class)
				.isThrownBy(() -> f.get(10, TimeUnit.SECONDS));
			case "join" -> (f) -> assertThatExceptionOfType(CompletionException.class).isThrownBy(f::join);
			case "getNow" -> (f) -> {
				awaitDone(f);
				assertThatExceptionOfType(CompletionException.class).isThrownBy(() -> f.getNow("absent"));
			};
			case "resultNow" -> (f) -> {
				awaitDone(f);
				assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> invoke(f, "resultNow"));
			};
			case "exceptionNow" -> (f) -> {
				awaitDone(f);
				assertThat((Throwable) invoke(f, "exceptionNow")).hasMessage(marker);
			};
			case "exceptionally" -> (f) -> assertThat(f.exceptionally((ex) -> "handled").join()).isEqualTo("handled");
			case "handle" -> (f) -> assertThat(f.handle((value, ex) -> "handled").join()).isEqualTo("handled");
			case "whenComplete" -> (f) -> {
				CompletableFuture<Object> seen = new CompletableFuture<>();
				f.whenComplete((value, ex) -> seen.complete(ex));
				assertThat(seen.join()).isInstanceOf(CompletionException.class);
			};
			case "exceptionallyCompose" ->
				(f) -> assertThat(f.exceptionallyCompose((ex) -> CompletableFuture.completedFuture("handled")).join())
					.isEqualTo("handled");
			case "thenComposeEnd" -> (f) -> assertThat(CompletableFuture.completedFuture("start")
				.thenCompose((value) -> f)
				.exceptionally((ex) -> "handled")
				.join()).isEqualTo("handled");
			case "thenCombine" ->
				(f) -> assertThat(f.thenCombine(CompletableFuture.completedFuture("other"), (a, b) -> a)
					.exceptionally((ex) -> "handled")
					.join()).isEqualTo("handled");
			case "applyToEither" -> (f) -> assertThat(f.applyToEither(new CompletableFuture<>(), (value) -> value)
				.exceptionally((ex) -> "handled")
				.join()).isEqualTo("handled");
			case "copy" -> (f) -> assertThat(f.copy().exceptionally((ex) -> "handled").join()).isEqualTo("handled");
			case "minimalCompletionStage" -> (f) -> assertThat(
					f.minimalCompletionStage().toCompletableFuture().exceptionally((ex) -> "handled").join())
				.isEqualTo("handled");
			case "obtrudeValue" -> (f) -> {
				// The failure replaced, as the wrappers take it: nothing is lost.
				awaitDone(f);
				f.obtrudeValue("fallback");
				assertThat(f.join()).isEqualTo("fallback");
			};
			default -> throw new IllegalArgumentException(how);
		};
		retrieve.accept(future);
	}

	private void retrieveSubmitted(String marker, String how) throws Exception {
		Future<Object> future = this.executor.submit(() -> {
			throw new IllegalStateException(marker);
		});
		switch (how) {
			case "get" -> assertThatExceptionOfType(ExecutionException.class).isThrownBy(future::get);
			case "getTimeout" ->
				assertThatExceptionOfType(ExecutionException.class).isThrownBy(() -> future.get(10, TimeUnit.SECONDS));
			case "resultNow" -> {
				awaitDone(future);
				assertThatExceptionOfType(IllegalStateException.class).isThrownBy(() -> invoke(future, "resultNow"));
			}
			case "exceptionNow" -> {
				awaitDone(future);
				assertThat((Throwable) invoke(future, "exceptionNow")).hasMessage(marker);
			}
			default -> throw new IllegalArgumentException(how);
		}
	}

	private static void awaitDone(Future<?> future) {
		org.awaitility.Awaitility.await().atMost(Duration.ofSeconds(10)).until(future::isDone);
	}

	/**
	 * Call a method of JDK 19+ while compiling for 17, unwrapping what it throws.
	 */
	private static Object invoke(Future<?> future, String method) {
		try {
			return Future.class.getMethod(method).invoke(future);
		}
		catch (java.lang.reflect.InvocationTargetException ex) {
			if (ex.getCause() instanceof RuntimeException runtime) {
				throw runtime;
			}
			throw new IllegalStateException(ex.getCause());
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException(ex);
		}
	}

	private static void assertNotReported(String marker) {
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).isEmpty();
	}

	/**
	 * A pool whose tasks are comparable futures, as a priority pool's are.
	 */
	private static final class ComparableTasksPool extends ThreadPoolExecutor {

		ComparableTasksPool() {
			super(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
		}

		@Override
		protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
			return new ComparableTask<>(runnable, value);
		}

		private static final class ComparableTask<T> extends FutureTask<T> implements Comparable<ComparableTask<?>> {

			ComparableTask(Runnable runnable, T value) {
				super(runnable, value);
			}

			@Override
			public int compareTo(ComparableTask<?> other) {
				return 0;
			}

		}

	}

	/**
	 * A future run as a task that keeps its failure and throws it on, as Guava's
	 * {@code MoreExecutors} periodic task does (so that the scheduled pool stops running
	 * it).
	 */
	private static final class RethrowingTask implements RunnableFuture<Object> {

		private final String marker;

		private final CountDownLatch done = new CountDownLatch(1);

		private volatile RuntimeException failure;

		RethrowingTask(String marker) {
			this.marker = marker;
		}

		@Override
		public void run() {
			this.failure = new IllegalStateException(this.marker);
			this.done.countDown();
			throw this.failure;
		}

		@Override
		public boolean cancel(boolean mayInterruptIfRunning) {
			return false;
		}

		@Override
		public boolean isCancelled() {
			return false;
		}

		@Override
		public boolean isDone() {
			return this.done.getCount() == 0;
		}

		@Override
		public Object get() throws InterruptedException, ExecutionException {
			this.done.await();
			throw new ExecutionException(this.failure);
		}

		@Override
		public Object get(long timeout, TimeUnit unit)
				throws InterruptedException, ExecutionException, TimeoutException {
			if (!this.done.await(timeout, unit)) {
				throw new TimeoutException();
			}
			throw new ExecutionException(this.failure);
		}

	}

	/**
	 * Runs each task on the calling thread, and refuses the second.
	 */
	private static final class RejectingSecond extends AbstractExecutorService {

		private int executed;

		@Override
		public void execute(Runnable command) {
			if (++this.executed == 2) {
				throw new RejectedExecutionException("full");
			}
			command.run();
		}

		@Override
		public void shutdown() {
		}

		@Override
		public List<Runnable> shutdownNow() {
			return List.of();
		}

		@Override
		public boolean isShutdown() {
			return false;
		}

		@Override
		public boolean isTerminated() {
			return false;
		}

		@Override
		public boolean awaitTermination(long timeout, TimeUnit unit) {
			return false;
		}

	}

}
