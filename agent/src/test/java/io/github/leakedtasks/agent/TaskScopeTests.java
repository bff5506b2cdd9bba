package io.github.leakedtasks.agent;

import java.io.IOException;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.RejectedExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import com.sun.net.httpserver.HttpServer;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskScope;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.awaitility.Awaitility.await;

/**
 * Futures the agent sees belong to the {@link TaskScope} current where they were created,
 * as a test's tasks do with the test module.
 */
class TaskScopeTests {

	@Test
	void failureOfSupplyAsyncCreatedInAScopeIsTheScopes() {
		String marker = AgentFixture.marker();
		List<LeakReport> leaks;
		try (TaskScope scope = TaskScope.open("test")) {
			CompletableFuture<String> future = supplyAsyncFailing(marker);
			await().atMost(Duration.ofSeconds(30)).until(future::isDone);
			scope.close();
			assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
			leaks = scope.takeLeaks();
		}
		assertThat(leaks).singleElement().satisfies((leak) -> {
			assertThat(leak.exception()).hasMessage(marker);
			assertThat(leak.executor()).isEqualTo(AgentFixture.asyncPoolName());
			assertThat(leak.creationTrace().frames())
				.anySatisfy((frame) -> assertThat(frame.getClassName()).isEqualTo(TaskScopeTests.class.getName()));
		});
	}

	@Test
	void failureOfAFutureNoTaskCreatedIsTheScopesWhereItFailed() {
		// failedFuture, and a future the application completes itself: the agent sees
		// no creation, only the failure, on the scope's thread or in one of its tasks.
		String marker = AgentFixture.marker();
		List<LeakReport> leaks;
		try (TaskScope scope = TaskScope.open("test")) {
			CompletableFuture.failedFuture(new IllegalStateException(marker + " born failed"));
			new CompletableFuture<String>().completeExceptionally(new IllegalStateException(marker + " completed"));
			CompletableFuture<String> promise = new CompletableFuture<>();
			CompletableFuture<String> stage = promise.thenApply((value) -> {
				throw new IllegalStateException(marker + " stage");
			});
			promise.complete("value");
			assertThat(stage).isCompletedExceptionally();
			CompletableFuture<String> read = new CompletableFuture<>();
			read.completeExceptionally(new IllegalStateException(marker + " read"));
			assertThat(read).failsWithin(Duration.ofSeconds(30));
			scope.close();
			assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
			leaks = scope.takeLeaks();
		}
		// Failed outside the scope: not its.
		CompletableFuture.failedFuture(new IllegalStateException(marker + " outside"));
		assertThat(leaks).extracting((leak) -> leak.exception().getMessage())
			.containsExactlyInAnyOrder(marker + " born failed", marker + " completed", marker + " stage");
	}

	@Test
	void futureMadeInAScopeAndFailedOnAnotherThreadIsTheScopesWithWhereItWasMade() throws Exception {
		// A promise the test makes and a callback fails on another thread: the agent
		// sees it made, so it is the test's, traced at the application's line; the stage
		// the JDK makes on it is described by it, not traced where it was chained. A
		// promise made before the scope is not the test's, wherever it fails.
		String marker = AgentFixture.marker();
		ExecutorService other = Executors.newSingleThreadExecutor();
		CompletableFuture<String> before = new CompletableFuture<>();
		List<LeakReport> leaks;
		try (TaskScope scope = TaskScope.open("test")) {
			CompletableFuture<String> promise = madeHere();
			CompletableFuture<String> stage = promise.thenApply(String::trim);
			other.submit(() -> promise.completeExceptionally(new IllegalStateException(marker + " made")))
				.get(30, TimeUnit.SECONDS);
			other.submit(() -> before.completeExceptionally(new IllegalStateException(marker + " before")))
				.get(30, TimeUnit.SECONDS);
			assertThat(stage).isCompletedExceptionally();
			scope.close();
			assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
			leaks = scope.takeLeaks();
		}
		finally {
			other.shutdown();
			before.exceptionally((ex) -> null);
		}
		assertThat(leaks).singleElement().satisfies((leak) -> {
			assertThat(leak.exception()).hasMessage(marker + " made");
			assertThat(leak.task()).isEqualTo(CompletableFuture.class.getName());
			assertThat(leak.creationTrace().site().getClassName()).isEqualTo(TaskScopeTests.class.getName());
			assertThat(leak.creationTrace().site().getMethodName()).isEqualTo("madeHere");
		});
	}

	private static CompletableFuture<String> madeHere() {
		return new CompletableFuture<>();
	}

	@Test
	void retrievedFailureIsNotTheScopesLeak() {
		String marker = AgentFixture.marker();
		try (TaskScope scope = TaskScope.open("test")) {
			CompletableFuture<String> future = supplyAsyncFailing(marker);
			assertThat(future).failsWithin(Duration.ofSeconds(30));
			scope.close();
			assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
			assertThat(scope.takeLeaks()).isEmpty();
		}
	}

	@Test
	void scopeWaitsForTheFuturesOfItsTasksWhileTheyRunAndReportsTheirLostFailures() throws Exception {
		// Without a wrapper the engine sees a future created, not its task start or end:
		// the end of the scope still waits for it, so that a failure that comes after the
		// test's last line is the test's.
		String marker = AgentFixture.marker();
		CountDownLatch release = new CountDownLatch(1);
		ExecutorService pool = Executors.newFixedThreadPool(2);
		Thread waiting = Thread.currentThread();
		Thread releaser = new Thread(() -> {
			// Released once the scope's wait parks the test's thread.
			await().atMost(Duration.ofSeconds(30)).until(() -> waiting.getState() == Thread.State.TIMED_WAITING);
			release.countDown();
		});
		releaser.setDaemon(true);
		List<LeakReport> leaks;
		try (TaskScope scope = TaskScope.open("test")) {
			CompletableFuture.supplyAsync(() -> failAfter(release, marker + " supplyAsync"), pool);
			pool.submit(() -> failAfter(release, marker + " submit"));
			scope.close();
			releaser.start();
			assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
			leaks = scope.takeLeaks();
		}
		finally {
			release.countDown();
			pool.shutdown();
		}
		assertThat(leaks).extracting((leak) -> leak.exception().getMessage())
			.containsExactlyInAnyOrder(marker + " supplyAsync", marker + " submit");
	}

	@Test
	void futureOfASubmitTheExecutorRejectedDoesNotHoldTheScope() {
		// The JDK makes the future before execute() rejects its task: nobody runs it.
		ExecutorService pool = Executors.newSingleThreadExecutor();
		pool.shutdown();
		try (TaskScope scope = TaskScope.open("test")) {
			assertThatExceptionOfType(RejectedExecutionException.class).isThrownBy(() -> pool.submit(() -> "never"));
			assertThatExceptionOfType(RejectedExecutionException.class)
				.isThrownBy(() -> CompletableFuture.supplyAsync(() -> "never", pool));
			scope.close();
			// The collector lets go of both futures: true once it has, false at the
			// timeout if the scope held them.
			assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
			assertThat(scope.takeLeaks()).isEmpty();
		}
	}

	@Test
	void futureTaskStatesAreReadAsTheScopeNeedsThem() {
		// New, stored a result, stored a failure: what the scope's wait tells apart on
		// Java 17, where isDone() is true while the failure is being stored.
		TaskContents contents = new TaskContents();
		FutureTask<String> pending = new FutureTask<>(() -> "pending");
		FutureTask<String> succeeded = new FutureTask<>(() -> "done");
		succeeded.run();
		FutureTask<String> failed = new FutureTask<>(() -> {
			throw new IllegalStateException("failed");
		});
		failed.run();
		assertThat(contents.futureTaskState(pending)).isZero();
		assertThat(contents.futureTaskState(succeeded)).isEqualTo(2);
		assertThat(contents.futureTaskState(failed)).isEqualTo(3);
		assertThat(contents.futureTaskState(new CompletableFuture<>())).isEqualTo(-1);
	}

	@Test
	void stageOfAWhenCompleteActionThatSawTheFailureIsNotTheScopesLeakWhileItFails() throws Exception {
		// The action runs before its stage fails with the failure it was handed: the
		// test's thread, woken by the action, may end its scope in between. Read again
		// and again while the pool's thread goes on, the scope never holds that stage.
		String marker = AgentFixture.marker();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		List<LeakReport> leaks = new ArrayList<>();
		try {
			for (int i = 0; i < 2_000 && leaks.isEmpty(); i++) {
				try (TaskScope scope = TaskScope.open("test")) {
					CountDownLatch release = new CountDownLatch(1);
					CompletableFuture<String> source = CompletableFuture.supplyAsync(() -> failAfter(release, marker),
							pool);
					AtomicBoolean seen = new AtomicBoolean();
					CompletableFuture<String> stage = source.whenComplete((value, ex) -> seen.set(ex != null));
					// Runs once the pool's thread is done with the source and its stage.
					Future<?> next = pool.submit(() -> {
					});
					release.countDown();
					while (!next.isDone()) {
						leaks.addAll(scope.takeLeaks());
					}
					leaks.addAll(scope.takeLeaks());
					assertThat(seen).isTrue();
					assertThat(stage).isCompletedExceptionally();
				}
			}
		}
		finally {
			pool.shutdown();
		}
		assertThat(leaks).isEmpty();
	}

	@Test
	void failureHandedToAWaiterIsNotTheScopesLeakWhileItIsRegistered() throws Exception {
		// A thread waits in join() when the source fails: the failure is delivered, and
		// the scope, read again and again meanwhile, never holds it.
		String marker = AgentFixture.marker();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		ExecutorService waiters = Executors.newSingleThreadExecutor();
		List<LeakReport> leaks = new ArrayList<>();
		try {
			for (int i = 0; i < 500 && leaks.isEmpty(); i++) {
				try (TaskScope scope = TaskScope.open("test")) {
					CountDownLatch release = new CountDownLatch(1);
					CompletableFuture<String> source = CompletableFuture.supplyAsync(() -> failAfter(release, marker),
							pool);
					AtomicReference<Thread> waiter = new AtomicReference<>();
					Future<Throwable> joined = waiters.submit(() -> {
						waiter.set(Thread.currentThread());
						return catchThrowable(source::join);
					});
					await().atMost(Duration.ofSeconds(30))
						.pollInterval(Duration.ofMillis(1))
						.until(() -> waiter.get() != null && waiter.get().getState() == Thread.State.WAITING);
					Future<?> next = pool.submit(() -> {
					});
					release.countDown();
					while (!next.isDone()) {
						leaks.addAll(scope.takeLeaks());
					}
					leaks.addAll(scope.takeLeaks());
					assertThat(joined.get(30, TimeUnit.SECONDS)).isInstanceOf(CompletionException.class);
				}
			}
		}
		finally {
			pool.shutdown();
			waiters.shutdown();
		}
		assertThat(leaks).isEmpty();
	}

	@Test
	void stageHandedTheFailureOfAScopesTaskIsWaitedForUntilItsFailureIsWatched() {
		// The source's failure is handed to its stage right after the source's is
		// watched: a scope that ends in between still finds the stage's loss.
		String marker = AgentFixture.marker();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			for (int i = 0; i < 2_000; i++) {
				try (TaskScope scope = TaskScope.open("test")) {
					CountDownLatch release = new CountDownLatch(1);
					CompletableFuture<String> source = CompletableFuture.supplyAsync(() -> failAfter(release, marker),
							pool);
					CompletableFuture<String> stage = source.thenApply((value) -> value + "a");
					release.countDown();
					while (!scope.awaitTasks(Duration.ZERO)) {
						// Until the scope's end would find nothing on its way.
					}
					assertThat(scope.takeLeaks()).as("iteration %d", i)
						.singleElement()
						.satisfies((leak) -> assertThat(leak.exception()).hasMessage(marker));
					assertThat(stage).isCompletedExceptionally();
				}
			}
		}
		finally {
			pool.shutdown();
		}
	}

	@Test
	void stageOfBothHandedAFailureIsWaitedForOnceItsSecondInputIsDone() {
		// thenCombine on a failed task waits for its second input: the scope does not
		// wait for it meanwhile, but once that input is done (on another thread) it
		// does, until the stage's failure is watched.
		String marker = AgentFixture.marker();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		ExecutorService other = Executors.newSingleThreadExecutor();
		try {
			for (int i = 0; i < 500; i++) {
				try (TaskScope scope = TaskScope.open("test")) {
					CountDownLatch fail = new CountDownLatch(1);
					CompletableFuture<String> source = CompletableFuture.supplyAsync(() -> failAfter(fail, marker),
							pool);
					CompletableFuture<String> second = new CompletableFuture<>();
					CompletableFuture<String> combined = source.thenCombine(second, (first, next) -> first + next);
					fail.countDown();
					while (!scope.awaitTasks(Duration.ZERO)) {
						// Until the source's failure is handed to the engine: the stage,
						// whose second input is pending, is not waited for.
					}
					assertThat(scope.takeLeaks()).isEmpty();
					other.execute(() -> second.complete("second"));
					while (!second.isDone()) {
						// Until the other thread completed the input, and may be firing
						// the
						// stage.
						Thread.onSpinWait();
					}
					while (!scope.awaitTasks(Duration.ZERO)) {
						// Until the scope's end would find nothing on its way.
					}
					assertThat(scope.takeLeaks()).as("iteration %d", i)
						.singleElement()
						.satisfies((leak) -> assertThat(leak.exception()).hasMessage(marker));
					assertThat(combined).isCompletedExceptionally();
				}
			}
		}
		finally {
			pool.shutdown();
			other.shutdown();
		}
	}

	@Test
	void stageWhoseOwnFunctionFailsOnAPoolThreadIsTheScopesWithWhereItWasMade() {
		// Added to a task still running, the stage runs its function on the pool's
		// thread, once the task completed: the scope waits for it then, until its
		// failure is watched, and the failure is traced where the test chained it.
		String marker = AgentFixture.marker();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			for (int i = 0; i < 500; i++) {
				try (TaskScope scope = TaskScope.open("test")) {
					CountDownLatch release = new CountDownLatch(1);
					CompletableFuture<String> source = CompletableFuture.supplyAsync(() -> valueAfter(release), pool);
					CompletableFuture<Void> stage = chainedHere(source, marker);
					release.countDown();
					while (!scope.awaitTasks(Duration.ZERO)) {
						// Until the scope's end would find nothing on its way.
					}
					assertThat(scope.takeLeaks()).as("iteration %d", i).singleElement().satisfies((leak) -> {
						assertThat(leak.exception()).hasMessage(marker);
						assertThat(leak.thread()).isEqualTo(Thread.currentThread().getName());
						assertThat(leak.creationTrace().site().getClassName())
							.isEqualTo(TaskScopeTests.class.getName());
						assertThat(leak.creationTrace().site().getMethodName()).isEqualTo("chainedHere");
					});
					assertThat(stage).isCompletedExceptionally();
				}
			}
		}
		finally {
			pool.shutdown();
		}
	}

	@Test
	void asyncStageWhoseOwnFunctionFailsIsTheScopes() {
		String marker = AgentFixture.marker();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		List<LeakReport> leaks;
		try (TaskScope scope = TaskScope.open("test")) {
			CompletableFuture.completedFuture("value").thenApplyAsync((value) -> {
				throw new IllegalStateException(marker + " async");
			}, pool);
			CompletableFuture.completedFuture("value").thenAcceptAsync((value) -> {
				throw new IllegalStateException(marker + " common pool");
			});
			scope.close();
			assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
			leaks = scope.takeLeaks();
		}
		finally {
			pool.shutdown();
		}
		assertThat(leaks).extracting((leak) -> leak.exception().getMessage())
			.containsExactlyInAnyOrder(marker + " async", marker + " common pool");
		assertThat(leaks).allSatisfy((leak) -> assertThat(leak.creationTrace().site().getMethodName())
			.isEqualTo("asyncStageWhoseOwnFunctionFailsIsTheScopes"));
	}

	@Test
	void stageWhoseFailureIsHandledOrMadeOutsideTheScopeIsNotTheScopesLeak() throws Exception {
		String marker = AgentFixture.marker();
		ExecutorService pool = Executors.newSingleThreadExecutor();
		CountDownLatch release = new CountDownLatch(1);
		CompletableFuture<String> source = CompletableFuture.supplyAsync(() -> valueAfter(release), pool);
		CompletableFuture<Void> before = chainedHere(source, marker + " before");
		ExecutorService other = Executors.newSingleThreadExecutor();
		try (TaskScope scope = TaskScope.open("test")) {
			CompletableFuture<String> handled = source.<String>thenApply((value) -> {
				throw new IllegalStateException(marker + " handled");
			}).exceptionally((ex) -> "handled");
			// Made by hand through the JDK's method, and failed on another thread: no
			// stage, so not the scope's.
			CompletableFuture<String> byHand = source.newIncompleteFuture();
			other.submit(() -> byHand.completeExceptionally(new IllegalStateException(marker + " by hand")))
				.get(30, TimeUnit.SECONDS);
			release.countDown();
			assertThat(handled.get(30, TimeUnit.SECONDS)).isEqualTo("handled");
			await().atMost(Duration.ofSeconds(30)).until(before::isDone);
			scope.close();
			assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
			assertThat(scope.takeLeaks()).isEmpty();
		}
		finally {
			pool.shutdown();
			other.shutdown();
			before.exceptionally((ex) -> null);
		}
	}

	@Test
	void stageOfTwoFuturesOrComposingWhoseFunctionFailsOnceItsSourceIsDoneIsTheScopes() {
		// Once the future it was added to is done, a stage of both, or one composing the
		// future its function returns, runs its function on the thread that completed
		// it: the scope waits for it then, whichever input completes last.
		String marker = AgentFixture.marker();
		ExecutorService pool = Executors.newFixedThreadPool(2);
		try {
			for (int i = 0; i < 300; i++) {
				try (TaskScope scope = TaskScope.open("test")) {
					CountDownLatch release = new CountDownLatch(1);
					CompletableFuture<String> slow = CompletableFuture.supplyAsync(() -> valueAfter(release), pool);
					CompletableFuture<String> done = CompletableFuture.completedFuture("value");
					slow.thenCombine(done, (first, second) -> {
						throw new IllegalStateException(marker + " combined");
					});
					done.thenAcceptBoth(slow, (first, second) -> {
						throw new IllegalStateException(marker + " both");
					});
					slow.thenCompose((value) -> {
						throw new IllegalStateException(marker + " composed");
					});
					release.countDown();
					while (!scope.awaitTasks(Duration.ZERO)) {
						// Until the scope's end would find nothing on its way.
					}
					assertThat(scope.takeLeaks()).as("iteration %d", i)
						.extracting((leak) -> leak.exception().getMessage())
						.containsExactlyInAnyOrder(marker + " combined", marker + " both", marker + " composed");
				}
			}
		}
		finally {
			pool.shutdown();
		}
	}

	@Test
	void stageAddedToTheFutureOfASubclassIsTheScopes() throws Exception {
		// The HTTP client's future, and an application's subclass, make their stages with
		// a newIncompleteFuture of their own: a stage the test adds is the test's still,
		// and one the client chains itself is not.
		String marker = AgentFixture.marker();
		HttpServer server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
		server.createContext("/", (exchange) -> {
			byte[] body = "body".getBytes(StandardCharsets.UTF_8);
			exchange.sendResponseHeaders(503, body.length);
			exchange.getResponseBody().write(body);
			exchange.close();
		});
		server.start();
		ExecutorService other = Executors.newSingleThreadExecutor();
		List<LeakReport> leaks;
		try (TaskScope scope = TaskScope.open("test")) {
			HttpClient client = HttpClient.newHttpClient();
			HttpRequest request = HttpRequest
				.newBuilder(URI.create("http://localhost:" + server.getAddress().getPort() + "/"))
				.build();
			CompletableFuture<String> response = client.sendAsync(request, HttpResponse.BodyHandlers.ofString())
				.thenApply((received) -> {
					throw new IllegalStateException(marker + " status " + received.statusCode());
				});
			OwnFuture<String> own = new OwnFuture<>();
			CompletableFuture<String> ownStage = own.thenApply((value) -> {
				throw new IllegalStateException(marker + " own");
			});
			other.submit(() -> own.complete("value")).get(30, TimeUnit.SECONDS);
			await().atMost(Duration.ofSeconds(30)).until(() -> response.isDone() && ownStage.isDone());
			scope.close();
			assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
			leaks = scope.takeLeaks();
		}
		finally {
			server.stop(0);
			other.shutdown();
		}
		assertThat(leaks).extracting((leak) -> leak.exception().getMessage())
			.containsExactlyInAnyOrder(marker + " status 503", marker + " own");
		// The subclass's constructor and newIncompleteFuture stand on top of the trace.
		assertThat(leaks).allSatisfy((leak) -> assertThat(leak.creationTrace().frames()).anySatisfy(
				(frame) -> assertThat(frame.getMethodName()).isEqualTo("stageAddedToTheFutureOfASubclassIsTheScopes")));
	}

	/**
	 * A subclass whose stages are of its own class.
	 */
	static final class OwnFuture<T> extends CompletableFuture<T> {

		@Override
		public <U> CompletableFuture<U> newIncompleteFuture() {
			return new OwnFuture<>();
		}

	}

	@Test
	void stageOfAFutureStillPendingDoesNotHoldTheScope() {
		CompletableFuture<String> never = new CompletableFuture<>();
		try (TaskScope scope = TaskScope.open("test")) {
			never.thenApply(String::trim);
			never.thenAcceptAsync(String::trim);
			scope.close();
			assertThat(scope.awaitTasks(Duration.ZERO)).isTrue();
			assertThat(scope.takeLeaks()).isEmpty();
		}
		finally {
			never.cancel(false);
		}
	}

	private static CompletableFuture<Void> chainedHere(CompletableFuture<String> source, String message) {
		return source.thenAccept((value) -> {
			throw new IllegalStateException(message);
		});
	}

	private static String valueAfter(CountDownLatch release) {
		try {
			release.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
		return "value";
	}

	private static String failAfter(CountDownLatch release, String message) {
		valueAfter(release);
		throw new IllegalStateException(message);
	}

	private static CompletableFuture<String> supplyAsyncFailing(String marker) {
		return CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException(marker);
		});
	}

}
