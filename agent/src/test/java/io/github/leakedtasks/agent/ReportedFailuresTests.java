package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.Supplier;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import io.github.leakedtasks.agent.bootstrap.ConcurrentAccess;
import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;

import static io.github.leakedtasks.agent.AgentFixture.awaitDetectorCaughtUp;
import static io.github.leakedtasks.agent.AgentFixture.awaitReported;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static io.github.leakedtasks.agent.AgentFixture.reportsOf;
import static io.github.leakedtasks.agent.AgentFixture.reportsOfType;
import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assumptions.assumeThat;
import static org.awaitility.Awaitility.await;

/**
 * Failures collected unread are reported, whoever created their futures.
 */
class ReportedFailuresTests {

	@Test
	void failureOfIgnoredSupplyAsyncIsReported() {
		String marker = marker();
		supplyAsyncIgnored(marker);
		LeakReport report = awaitReported(marker);
		assertThat(report.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED);
		assertThat(report.executor()).isEqualTo(AgentFixture.asyncPoolName());
		assertThat(report.exception()).isInstanceOf(IllegalStateException.class);
		assertStartsAtTheApplicationsCall(report, "supplyAsyncIgnored");
	}

	/**
	 * Past the first tasks of a type, which get a creation trace, the failure of a
	 * {@code supplyAsync} or {@code runAsync} task is still named after its function (on
	 * a pool and on the common pool), not after {@code CompletableFuture}: one group for
	 * one task type. What the function threw is thrown as before, its frames unchanged.
	 */
	@Test
	void failuresOfUntracedAsyncTasksAreNamedAfterTheirFunctions() throws Exception {
		ExecutorService pool = Executors.newFixedThreadPool(2);
		LeakedTasksAgent.tracker().orElseThrow().nameExecutor(pool, "untraced");
		try {
			List<String> supplied = new CopyOnWriteArrayList<>();
			List<String> run = new CopyOnWriteArrayList<>();
			for (int i = 0; i < 30; i++) {
				String supplies = marker();
				supplied.add(supplies);
				CompletableFuture.supplyAsync(new UntracedSupplier(supplies),
						(i % 2 == 0) ? pool : ForkJoinPool.commonPool());
				String runs = marker();
				run.add(runs);
				CompletableFuture.runAsync(new UntracedRunnable(runs), pool);
			}
			await().atMost(Duration.ofSeconds(60)).pollInterval(Duration.ofMillis(50)).untilAsserted(() -> {
				System.gc();
				assertThat(supplied).allSatisfy((marker) -> assertThat(reportsOf(marker)).isNotEmpty());
				assertThat(run).allSatisfy((marker) -> assertThat(reportsOf(marker)).isNotEmpty());
			});
			awaitDetectorCaughtUp();
			assertThat(supplied).allSatisfy((marker) -> assertThat(reportsOf(marker)).singleElement()
				.satisfies(
						(LeakReport report) -> assertThat(report.task()).isEqualTo(UntracedSupplier.class.getName())));
			assertThat(run)
				.allSatisfy((marker) -> assertThat(reportsOf(marker)).singleElement().satisfies((LeakReport report) -> {
					assertThat(report.task()).isEqualTo(UntracedRunnable.class.getName());
					assertThat(report.executor()).isEqualTo("untraced");
				}));
			String read = marker();
			Throwable thrown = catchThrowable(CompletableFuture.supplyAsync(new UntracedSupplier(read), pool)::join);
			assertThat(thrown).isInstanceOf(CompletionException.class).cause().hasMessage(read);
			// The function's frames, then the JDK's task's: nothing of the agent's
			// between.
			assertThat(thrown.getCause().getStackTrace())
				.extracting((frame) -> frame.getClassName() + "." + frame.getMethodName())
				.containsSequence(UntracedSupplier.class.getName() + ".get",
						"java.util.concurrent.CompletableFuture$AsyncSupply.run")
				.noneMatch((frame) -> frame.contains("leakedtasks.agent.bootstrap"));
		}
		finally {
			pool.shutdown();
			assertThat(pool.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
	}

	private static final class UntracedSupplier implements Supplier<String> {

		private final String message;

		UntracedSupplier(String message) {
			this.message = message;
		}

		@Override
		public String get() {
			throw new IllegalStateException(this.message);
		}

	}

	private static final class UntracedRunnable implements Runnable {

		private final String message;

		UntracedRunnable(String message) {
			this.message = message;
		}

		@Override
		public void run() {
			throw new IllegalStateException(this.message);
		}

	}

	@Test
	void failureOfIgnoredSubmitIsReported() throws InterruptedException {
		String marker = marker();
		ExecutorService executor = Executors.newFixedThreadPool(2);
		LeakedTasksAgent.tracker().orElseThrow().nameExecutor(executor, "ignoring");
		try {
			submitIgnored(executor, marker);
			LeakReport report = awaitReported(marker);
			assertThat(report.executor()).isEqualTo("ignoring");
			assertThat(report.exception()).isInstanceOf(IllegalArgumentException.class);
			assertStartsAtTheApplicationsCall(report, "submitIgnored");
		}
		finally {
			executor.shutdown();
			assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
	}

	/**
	 * Nobody received a failure two dropped stages carry on, nor one a handler beside
	 * them replaced with a failure of its own: reported, whenever the future failed.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "failed", "async" })
	void failureCarriedOnByDroppedStagesOnlyIsReported(String source) {
		String marker = marker();
		dropTwoStages(marker, source);
		assertThat(awaitReported(marker).exception()).isInstanceOf(IllegalStateException.class);
		String handler = marker();
		dropAStageBesideAHandlerThatThrows(marker(), handler, source);
		assertThat(awaitReported(handler).exception()).isInstanceOf(IllegalArgumentException.class);
	}

	/**
	 * An async handler whose executor refused it never received the failure: a stage
	 * beside it that carries the failure on and is dropped is reported.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "exceptionallyAsync", "handleAsync", "whenCompleteAsync" })
	void failureBesideAnAsyncHandlerItsExecutorRefusedIsReported(String how) {
		String marker = marker();
		dropAStageBesideARefusedHandler(marker, how);
		assertThat(awaitReported(marker).exception()).isInstanceOf(IllegalStateException.class);
	}

	private static void dropAStageBesideARefusedHandler(String marker, String how) {
		CompletableFuture<String> future = CompletableFuture.failedFuture(new IllegalStateException(marker));
		Executor refusing = (task) -> {
			throw new RejectedExecutionException("refused");
		};
		CompletableFuture<?> refused = switch (how) {
			case "exceptionallyAsync" -> future.exceptionallyAsync((ex) -> "handled", refusing);
			case "handleAsync" -> future.handleAsync((value, ex) -> "handled", refusing);
			default -> future.whenCompleteAsync((value, ex) -> {
			}, refusing);
		};
		assertThat(refused).isCompletedExceptionally();
		refused.exceptionally((ex) -> null);
		future.thenApply(String::length);
	}

	private static CompletableFuture<String> failing(String marker, String source) {
		return source.equals("failed") ? CompletableFuture.failedFuture(new IllegalStateException(marker))
				: CompletableFuture.supplyAsync(() -> {
					throw new IllegalStateException(marker);
				});
	}

	private static void dropTwoStages(String marker, String source) {
		CompletableFuture<String> future = failing(marker, source);
		future.thenApply(String::length);
		future.thenAccept((value) -> {
		});
	}

	private static void dropAStageBesideAHandlerThatThrows(String marker, String handler, String source) {
		CompletableFuture<String> future = failing(marker, source);
		future.exceptionally((ex) -> {
			throw new IllegalArgumentException(handler);
		});
		future.thenApply(String::length);
	}

	@Test
	void onlyTheEndOfAnIgnoredChainIsReported() {
		String marker = marker();
		chainIgnored(marker);
		awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).hasSize(1);
	}

	/**
	 * Only the future {@code allOf} returns is the caller's, not those of the tree it
	 * builds over more than two inputs.
	 */
	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void ignoredAllOfOverManyInputsOneFailedIsReportedOnce(boolean lastPending) {
		String marker = marker();
		allOfIgnored(marker, 5, lastPending);
		awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).hasSize(1);
	}

	/**
	 * A {@code get} that timed out or was interrupted, of a future that failed just
	 * before the hook at its end read the result, handed the caller nothing: the failure
	 * stays the future's to lose. The race is played by calling that hook as the advice
	 * does; a {@code get} that threw the failure retrieved it.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "timeout", "interrupt", "execution" })
	void failureOfAFutureWhoseGetGaveUpWaitingIsReported(String thrown) throws Exception {
		String marker = marker();
		giveUpWaitingAfterAFailure(marker, thrown);
		if (thrown.equals("execution")) {
			String control = marker();
			CompletableFuture.failedFuture(new IllegalStateException(control));
			awaitReported(control);
			awaitDetectorCaughtUp();
			assertThat(reportsOf(marker)).isEmpty();
		}
		else {
			// The CompletableFuture's and the FutureTask's.
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(reportsOf(marker)).hasSize(2);
			});
		}
	}

	private static void giveUpWaitingAfterAFailure(String marker, String thrown) throws Exception {
		CompletableFuture<Object> future = new CompletableFuture<>();
		FutureTask<Object> task = new FutureTask<>(() -> {
			throw new IllegalStateException(marker);
		});
		future.completeExceptionally(new IllegalStateException(marker));
		task.run();
		Object result = ConcurrentAccess.privateLookupIn(CompletableFuture.class)
			.findVarHandle(CompletableFuture.class, "result", Object.class)
			.getVolatile(future);
		Throwable gaveUp = switch (thrown) {
			case "timeout" -> new TimeoutException();
			case "interrupt" -> new InterruptedException();
			default -> new ExecutionException(new IllegalStateException(marker));
		};
		FutureHooks.thrownToCaller(future, result, gaveUp);
		FutureHooks.thrownToCaller(task, gaveUp);
	}

	@Test
	void failureOfIgnoredFailedFutureIsReported() {
		String marker = marker();
		CompletableFuture.failedFuture(new IllegalStateException(marker));
		awaitReported(marker);
	}

	@Test
	void copyOfAFailedMinimalStageTheApplicationIgnoresIsReported() {
		String marker = marker();
		CompletableFuture.failedStage(new IllegalStateException(marker)).toCompletableFuture();
		awaitReported(marker);
	}

	/**
	 * A stage method given a {@code MinimalStage} still pending, its stage ignored: when
	 * the failure comes, it is relayed from the minimal stage's future through the
	 * minimal stage and the JDK's copy of it to the stage, the end of the chain, which
	 * alone is reported.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "thenCompose", "exceptionallyCompose", "thenCombine", "applyToEither" })
	void pendingMinimalStageGivenToAStageMethodThatFailsLaterAndIgnoredIsReportedOnce(String how) {
		String marker = marker();
		CompletableFuture<String> source = new CompletableFuture<>();
		ignoreAStageOnAPendingMinimalStage(source.minimalCompletionStage(), how);
		source.completeExceptionally(new IllegalStateException(marker));
		awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).hasSize(1);
	}

	/**
	 * A stage that fails as a compose function's result is handed on (see
	 * {@code HandledFailuresTests.stageThatFailsAsItIsComposedThenHandledIsNotReported}):
	 * the composed future, ignored, is the end of the chain, reported once.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "thenCompose", "thenComposeOnAPendingSource", "thenComposeAsync", "exceptionallyCompose",
			"exceptionallyComposeOnAPendingSource", "exceptionallyComposeAsync" })
	void stageThatFailsAsItIsComposedAndIgnoredIsReportedOnce(String how) {
		String marker = marker();
		ExecutorService executor = Executors.newSingleThreadExecutor();
		try {
			composeFailingStageAndIgnore(marker, how, executor);
		}
		finally {
			executor.shutdown();
		}
		awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).hasSize(1);
	}

	/**
	 * A stage that failed just before a composing method pushed its relay on it (see
	 * {@code HandledFailuresTests.stageThatFailsJustBeforeItsRelayIsPushedThenHandledIsNotReported}):
	 * the composed future, ignored, is the end of the chain, reported once.
	 */
	@Test
	void stageThatFailsJustBeforeItsRelayIsPushedAndIgnoredIsReportedOnce() throws Exception {
		String marker = marker();
		ExecutorService executor = Executors.newSingleThreadExecutor();
		try {
			relayFromATaskThatFailed(marker, executor);
		}
		finally {
			executor.shutdown();
		}
		LeakReport report = awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).hasSize(1);
		// The composed future is described as the task's future it was handed the
		// failure of, as when the relay was on the stack when the task failed.
		assertThat(report.task()).startsWith(ReportedFailuresTests.class.getName());
	}

	/**
	 * Apart, so that nothing of the test's frame keeps the stages.
	 */
	private static void relayFromATaskThatFailed(String marker, ExecutorService executor) throws Exception {
		CompletableFuture<String> stage = CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException(marker);
		}, executor);
		await().atMost(Duration.ofSeconds(30)).until(stage::isDone);
		HandledFailuresTests.relayFiredOnAFailedStage(stage, false);
	}

	/**
	 * A relay fired on a failed stage into a future cancelled first: the failure reaches
	 * nobody, and the stage is reported.
	 */
	@Test
	void stageWhoseRelayFiresIntoACancelledFutureIsReported() throws Exception {
		String marker = marker();
		HandledFailuresTests.relayFiredOnAFailedStage(HandledFailuresTests.failedStage(marker), true);
		awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).hasSize(1);
	}

	/**
	 * Apart, so that nothing of the test's frame keeps the stages: waits for the composed
	 * future to fail without reading it.
	 */
	private static void composeFailingStageAndIgnore(String marker, String how, Executor executor) {
		HandledFailuresTests.FailsWhenComposed composed = new HandledFailuresTests.FailsWhenComposed(marker);
		CompletableFuture<String> stage = HandledFailuresTests.composeFailingStage(composed, how, executor);
		await().atMost(Duration.ofSeconds(30)).until(stage::isDone);
		assertThat(composed.failedInToCompletableFuture).isTrue();
	}

	/**
	 * Apart, so that nothing of the test's frame keeps the stage.
	 */
	private static void whenCompleteAsyncRejected(CompletableFuture<String> source, String marker) {
		source.whenCompleteAsync((value, failure) -> {
		}, (command) -> {
			throw new RejectedExecutionException(marker);
		});
	}

	private static void ignoreAStageOnAPendingMinimalStage(CompletionStage<String> minimal, String how) {
		assertThat(HandledFailuresTests.stageOnAPendingMinimalStage(minimal, how, Runnable::run)).isNotDone();
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void failureOfAnIgnoredEitherStageIsReported(boolean failedFirst) {
		String marker = marker();
		ignoreAnEitherStageThatFails(marker, failedFirst);
		awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).hasSize(1);
	}

	private static void ignoreAnEitherStageThatFails(String marker, boolean failedFirst) {
		CompletableFuture<Object> pending = new CompletableFuture<>();
		if (failedFirst) {
			CompletableFuture.failedFuture(new IllegalStateException(marker)).applyToEither(pending, (value) -> value);
		}
		else {
			CompletableFuture<Object> winner = new CompletableFuture<>();
			winner.applyToEither(pending, (value) -> value);
			winner.completeExceptionally(new IllegalStateException(marker));
		}
	}

	/**
	 * A {@code FutureTask} given to {@code submit} never throws its task's failure: what
	 * escapes its {@code run} was thrown by its {@code done()}, and only the future
	 * {@code submit} returned holds it.
	 */
	@Test
	void failureThrownByTheDoneOfAFutureTaskGivenToSubmitIsReported() throws Exception {
		String marker = marker();
		ExecutorService executor = Executors.newSingleThreadExecutor();
		try {
			submitAFutureTaskWhoseDoneThrows(executor, marker);
			awaitReported(marker);
		}
		finally {
			executor.shutdown();
		}
	}

	private static void submitAFutureTaskWhoseDoneThrows(ExecutorService executor, String marker) {
		FutureTask<String> task = new FutureTask<>(() -> "ran") {

			@Override
			protected void done() {
				throw new IllegalStateException(marker);
			}

		};
		Future<?> future = executor.submit(task);
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
		assertThat(task.isDone()).isTrue();
	}

	@Test
	void failureOfDependentCreatedOnFailedFutureIsReported() {
		String marker = marker();
		CompletableFuture.failedFuture(new IllegalStateException(marker)).thenApply((value) -> value);
		awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).hasSize(1);
	}

	@Test
	void failureOfWhenCompleteActionIsReportedWhenItsStageIsIgnored() {
		String marker = marker();
		CompletableFuture.completedFuture("done").whenComplete((value, failure) -> {
			throw new IllegalStateException(marker);
		});
		awaitReported(marker);
	}

	@Test
	void rejectionOfAWhenCompleteAsyncActionIsReportedWhenItsStageIsIgnored() {
		// The action never ran: what the stage delivers is the rejection, which nobody
		// was handed. The source's failure went to the stage.
		String marker = marker();
		CompletableFuture<String> source = new CompletableFuture<>();
		whenCompleteAsyncRejected(source, marker);
		source.completeExceptionally(new IllegalStateException(marker + " source"));
		LeakReport report = awaitReported(marker);
		assertThat(report.exception()).isInstanceOf(RejectedExecutionException.class);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker + " source")).isEmpty();
	}

	@Test
	void futuresFailingWithTheSameExceptionAreTrackedApart() {
		String marker = marker();
		sharedExceptionOneRetrieved(marker);
		awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).hasSize(1);
	}

	@Test
	void futuresFailedByHandAtTwoPlacesAreEachNewToTheListeners() {
		// Without a creation trace, the second place joined the first one's group (same
		// executor, task type and exception type) and was never logged.
		List<LeakGroup> newGroups = new CopyOnWriteArrayList<>();
		LeakListener listener = new LeakListener() {

			@Override
			public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
				if (newGroup && report.exception() instanceof PlaceException) {
					newGroups.add(group);
				}
			}

		};
		TaskTracker tracker = LeakedTasksAgent.tracker().orElseThrow();
		tracker.addListener(listener);
		try {
			String first = marker();
			String second = marker();
			failByHandHere(first);
			failByHandThere(second);
			awaitReported(first);
			awaitReported(second);
			assertThat(reportsOf(first).get(0).creationTrace()).isNull();
			// The fixture's listener may see a report before this one does.
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(newGroups).hasSize(2));
			assertThat(newGroups.get(1).count()).isEqualTo(2);
		}
		finally {
			tracker.removeListener(listener);
		}
	}

	private static void failByHandHere(String marker) {
		new CompletableFuture<>().completeExceptionally(new PlaceException(marker));
	}

	private static void failByHandThere(String marker) {
		new CompletableFuture<>().completeExceptionally(new PlaceException(marker));
	}

	static final class PlaceException extends RuntimeException {

		PlaceException(String message) {
			super(message);
		}

	}

	@Test
	void ignoredFutureThatTimedOutIsReported() {
		timedOutIgnored();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(reportsOfType(TimeoutException.class)).isNotEmpty();
		});
	}

	/**
	 * A {@code get} that timed out or was interrupted received nothing: the failure the
	 * future delivers after it is the caller's still, reported when ignored. The JDK
	 * unlinks the waiter it left behind, so that it is no dependent.
	 */
	@ParameterizedTest
	@CsvSource({ "CompletableFuture, timed out", "CompletableFuture, interrupted", "FutureTask, timed out",
			"FutureTask, interrupted" })
	void failureAfterAGetThatReceivedNothingIsReported(String kind, String how) throws Exception {
		String marker = marker();
		ExecutorService executor = Executors.newSingleThreadExecutor();
		try {
			CountDownLatch gate = new CountDownLatch(1);
			Future<?> future = failingOnceOpened(kind, executor, gate, marker);
			if (how.equals("timed out")) {
				assertThat(getTimesOut(future)).isTrue();
			}
			else {
				assertThat(getIsInterrupted(future)).isTrue();
			}
			gate.countDown();
			await().atMost(Duration.ofSeconds(30)).until(future::isDone);
			future = null;
			awaitReported(marker);
			awaitDetectorCaughtUp();
			assertThat(reportsOf(marker)).hasSize(1);
		}
		finally {
			executor.shutdown();
			assertThat(executor.awaitTermination(10, TimeUnit.SECONDS)).isTrue();
		}
	}

	private static Future<?> failingOnceOpened(String kind, ExecutorService executor, CountDownLatch gate,
			String marker) {
		FailsOnceOpened task = new FailsOnceOpened(gate, marker);
		return kind.equals("CompletableFuture") ? CompletableFuture.supplyAsync(task, executor) : executor.submit(task);
	}

	/**
	 * Fails once its gate is open. A class of its own, not a lambda of this class, whose
	 * type would share the creation traces given to the first tasks of a type with the
	 * other tests' tasks.
	 */
	private static final class FailsOnceOpened implements Callable<Object>, Supplier<Object> {

		private final CountDownLatch gate;

		private final String marker;

		FailsOnceOpened(CountDownLatch gate, String marker) {
			this.gate = gate;
			this.marker = marker;
		}

		@Override
		public Object call() {
			try {
				if (!this.gate.await(30, TimeUnit.SECONDS)) {
					throw new IllegalStateException("the gate never opened");
				}
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException(ex);
			}
			throw new IllegalStateException(this.marker);
		}

		@Override
		public Object get() {
			return call();
		}

	}

	private static boolean getTimesOut(Future<?> future) throws Exception {
		try {
			future.get(20, TimeUnit.MILLISECONDS);
			return false;
		}
		catch (TimeoutException ex) {
			return true;
		}
	}

	/**
	 * Interrupt a thread waiting in {@code get} once it waits, and return whether it saw
	 * the interrupt.
	 */
	private static boolean getIsInterrupted(Future<?> future) throws InterruptedException {
		AtomicBoolean interrupted = new AtomicBoolean();
		Thread reader = new Thread(() -> {
			try {
				future.get();
			}
			catch (InterruptedException ex) {
				interrupted.set(true);
			}
			catch (ExecutionException ex) {
				// Not expected: the future fails only once the gate opens, after.
			}
		});
		reader.start();
		await().atMost(Duration.ofSeconds(30))
			.pollInterval(Duration.ofMillis(5))
			.until(() -> reader.getState() == Thread.State.WAITING
					&& (!(future instanceof CompletableFuture<?> waited) || waited.getNumberOfDependents() > 0));
		reader.interrupt();
		reader.join(TimeUnit.SECONDS.toMillis(30));
		return interrupted.get();
	}

	@Test
	void periodicTaskThatDiedIsReported() throws InterruptedException {
		String marker = marker();
		ScheduledExecutorService scheduler = Executors.newSingleThreadScheduledExecutor();
		try {
			CountDownLatch died = new CountDownLatch(1);
			schedulePeriodicIgnored(scheduler, marker, died);
			assertThat(died.await(10, TimeUnit.SECONDS)).isTrue();
			awaitReported(marker);
		}
		finally {
			scheduler.shutdownNow();
		}
	}

	@Test
	void failureOfIgnoredVirtualThreadSubmitIsReported() throws Exception {
		assumeThat(Runtime.version().feature()).isGreaterThanOrEqualTo(21);
		String marker = marker();
		ExecutorService executor = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
			.invoke(null);
		try {
			submitIgnored(executor, marker);
			LeakReport report = awaitReported(marker);
			assertThat(report.executor()).isEqualTo(EngineSink.FUTURE_TASKS);
		}
		finally {
			executor.shutdown();
		}
	}

	/**
	 * The virtual-thread executor's {@code invokeAll} returns its futures, the timed one
	 * also when it ran out of time and cancelled those not done: a failure it did not
	 * read (done before it came to it) is the caller's, and reported when ignored.
	 */
	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void failureAVirtualThreadInvokeAllReturnedUnreadIsReportedWhenIgnored(boolean timedOut) throws Exception {
		assumeThat(Runtime.version().feature()).isGreaterThanOrEqualTo(21);
		String marker = marker();
		ExecutorService executor = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
			.invoke(null);
		try {
			invokeAllWithAnUnreadFailure(executor, marker, timedOut);
		}
		finally {
			executor.shutdownNow();
			assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}
		awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).hasSize(1);
	}

	/**
	 * {@code invokeAll} waits for each future with {@code get} and swallows the failure
	 * thrown to it: its caller receives the futures, not their failures, so a failure
	 * among them that the caller drops unread is reported, once.
	 */
	@ParameterizedTest
	@CsvSource({ "pool, false", "pool, true", "scheduled, false", "virtual, false", "virtual, true" })
	void failureInvokeAllSwallowedWhileWaitingIsReportedWhenTheCallerIgnoresIt(String kind, boolean timed)
			throws Exception {
		assumeThat(FailsWhileAwaited.runsHere(kind)).isTrue();
		String marker = marker();
		ExecutorService executor = FailsWhileAwaited.executor(kind);
		try {
			FailsWhileAwaited.invokeAll(executor, marker, timed);
		}
		finally {
			executor.shutdown();
			assertThat(executor.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		}
		awaitReported(marker);
		awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).hasSize(1);
	}

	/**
	 * Ignore what {@code invokeAll} returns, once checked: apart, so that nothing of this
	 * frame keeps the futures.
	 */
	private static void invokeAllWithAnUnreadFailure(ExecutorService executor, String marker, boolean timedOut)
			throws InterruptedException {
		CountDownLatch never = new CountDownLatch(1);
		// The first failed before invokeAll came to it; timed out, the second never
		// ends and is cancelled.
		FirstFailsFirst tasks = new FirstFailsFirst(marker, () -> {
			if (timedOut) {
				never.await();
			}
			return "second";
		});
		List<Future<Object>> futures = timedOut ? executor.invokeAll(tasks, 1, TimeUnit.SECONDS)
				: executor.invokeAll(tasks);
		// Failed (it can only throw), not read.
		assertThat(futures.get(0)).isDone().isNotCancelled();
		assertThat(futures.get(1).isCancelled()).isEqualTo(timedOut);
	}

	/**
	 * The copy of a failed {@code MinimalStage} made by the application, through a
	 * function {@code CompletableFuture} calls (a method reference, a hidden class, or a
	 * lambda), and ignored.
	 */
	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void copyOfAFailedMinimalStageAStageFunctionMadeAndTheApplicationIgnoredIsReported(boolean methodReference) {
		String marker = marker();
		copyInAStageAndIgnoreIt(marker, methodReference);
		awaitReported(marker);
	}

	/**
	 * Apart, so that nothing of the test's frame keeps the copy.
	 */
	private static void copyInAStageAndIgnoreIt(String marker, boolean methodReference) {
		CompletableFuture<CompletionStage<Object>> stage = CompletableFuture
			.completedFuture(CompletableFuture.failedStage(new IllegalStateException(marker)));
		CompletableFuture<CompletableFuture<Object>> copied = methodReference
				? stage.thenApply(CompletionStage::toCompletableFuture)
				: stage.thenApply((minimal) -> minimal.toCompletableFuture());
		assertThat(copied.join()).isCompletedExceptionally();
	}

	private static void allOfIgnored(String marker, int inputs, boolean lastPending) {
		CompletableFuture<?>[] futures = new CompletableFuture<?>[inputs];
		futures[0] = CompletableFuture.failedFuture(new IllegalStateException(marker));
		for (int i = 1; i < inputs; i++) {
			futures[i] = CompletableFuture.completedFuture("ok");
		}
		CompletableFuture<Object> pending = new CompletableFuture<>();
		if (lastPending) {
			futures[inputs - 1] = pending;
		}
		CompletableFuture.allOf(futures);
		pending.complete("last");
	}

	/**
	 * The first task of its type is traced; its trace starts at the line that called the
	 * executor, not inside the JDK's executor, as a wrapper's does.
	 */
	private static void assertStartsAtTheApplicationsCall(LeakReport report, String method) {
		assertThat(report.creationTrace()).isNotNull();
		StackTraceElement site = report.creationTrace().site();
		assertThat(site.getClassName()).isEqualTo(ReportedFailuresTests.class.getName());
		assertThat(site.getMethodName()).isEqualTo(method);
	}

	private static void supplyAsyncIgnored(String marker) {
		CompletableFuture.supplyAsync(new Fails(new IllegalStateException(marker)));
	}

	private static void submitIgnored(ExecutorService executor, String marker) {
		executor.submit(new Fails(new IllegalArgumentException(marker)));
	}

	/**
	 * The task of the tests that read a creation trace: a type of its own, so that it is
	 * among the first of its type, which are traced, whatever ran before (the lambdas of
	 * this class share one type).
	 */
	private static final class Fails implements Supplier<Object>, Callable<Object> {

		private final RuntimeException failure;

		Fails(RuntimeException failure) {
			this.failure = failure;
		}

		@Override
		public Object get() {
			throw this.failure;
		}

		@Override
		public Object call() {
			throw this.failure;
		}

	}

	private static void sharedExceptionOneRetrieved(String marker) {
		IllegalStateException shared = new IllegalStateException(marker);
		CompletableFuture<Object> retrieved = new CompletableFuture<>();
		retrieved.completeExceptionally(shared);
		retrieved.exceptionally((ex) -> null).join();
		new CompletableFuture<>().completeExceptionally(shared);
	}

	private static void timedOutIgnored() {
		new CompletableFuture<>().orTimeout(1, TimeUnit.MILLISECONDS);
	}

	private static void chainIgnored(String marker) {
		CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException(marker);
		}).thenApply((value) -> value).thenApply((value) -> value);
	}

	private static void schedulePeriodicIgnored(ScheduledExecutorService scheduler, String marker,
			CountDownLatch died) {
		scheduler.scheduleAtFixedRate(() -> {
			died.countDown();
			throw new IllegalStateException(marker);
		}, 0, 1, TimeUnit.MILLISECONDS);
	}

}
