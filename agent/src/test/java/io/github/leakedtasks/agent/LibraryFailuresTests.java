package io.github.leakedtasks.agent;

import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import com.example.library.Placeholders;
import com.example.libraryish.Lookalike;
import com.example.other.OtherLibrary;
import io.github.leakedtasks.tracking.LeakKind;
import org.junit.jupiter.api.Test;

import static io.github.leakedtasks.agent.AgentFixture.assertNeverReported;
import static io.github.leakedtasks.agent.AgentFixture.awaitReported;
import static io.github.leakedtasks.agent.AgentFixture.awaitReportedFrom;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static io.github.leakedtasks.agent.AgentFixture.reportsOf;
import static io.github.leakedtasks.agent.AgentFixture.reportsOfExecutor;
import static org.assertj.core.api.Assertions.assertThat;

/**
 * A library named in {@code library-packages} (the tests' JVM names
 * {@code com.example.library}) fails and drops futures of its own, as Caffeine's
 * {@code getAll} does with its placeholders: its explicit failures are its own, not the
 * application's leaks, as the JDK implementation's are. What the application chains on
 * such a future is still the application's.
 */
class LibraryFailuresTests {

	@Test
	void futuresALibraryFailsAndDropsAreNotReported() throws ReflectiveOperationException {
		AgentFixture.collectReports();
		String library = marker();
		String application = marker();
		Placeholders.failAndDrop(new IllegalStateException(library));
		OtherLibrary.failAndDrop(new IllegalStateException(library));
		Placeholders.failReflectivelyAndDrop(new IllegalStateException(library));
		// The same failure, made by the application: reported.
		new CompletableFuture<>().completeExceptionally(new IllegalStateException(application));
		awaitReported(application);
		AgentFixture.awaitDetectorCaughtUp();
		assertThat(reportsOf(library)).isEmpty();
	}

	@Test
	void anApplicationsSubclassTheLibraryFailsIsTheApplications() {
		AgentFixture.collectReports();
		String marker = marker();
		Placeholders.fail(new ApplicationFuture<>(), new IllegalStateException(marker));
		assertThat(awaitReported(marker).exception()).hasMessage(marker);
	}

	/**
	 * Who made a future is not known when it fails: one of the JDK's class that the
	 * application made and had the library fail is taken for the library's (README).
	 */
	@Test
	void aFutureTheApplicationMadeAndTheLibraryFailedIsTakenForTheLibrarys() {
		AgentFixture.collectReports();
		String marker = marker();
		Placeholders.fail(new CompletableFuture<>(), new IllegalStateException(marker));
		assertNeverReported(marker);
	}

	@Test
	void aPackageWhoseNameOnlyStartsWithALibrarysIsTheApplications() {
		AgentFixture.collectReports();
		String marker = marker();
		Lookalike.failAndDrop(new IllegalStateException(marker));
		assertThat(awaitReported(marker).exception()).hasMessage(marker);
	}

	@Test
	void aStageTheApplicationChainsOnAFutureTheLibraryFailsLaterIsReportedWhenDropped() {
		AgentFixture.collectReports();
		String marker = marker();
		CompletableFuture<String> handedOut = Placeholders.pending();
		handedOut.thenApply(String::length);
		// Handed on to the application's stage on the library's thread.
		Placeholders.fail(handedOut, new IllegalStateException(marker));
		assertThat(awaitReported(marker).exception()).hasMessage(marker);
	}

	@Test
	void aStageTheApplicationChainsOnAFutureTheLibraryFailedIsReportedWhenDropped() {
		AgentFixture.collectReports();
		String marker = marker();
		CompletableFuture<String> handedOut = Placeholders.pending();
		Placeholders.fail(handedOut, new IllegalStateException(marker));
		handedOut.thenApply(String::length);
		assertThat(awaitReported(marker).exception()).hasMessage(marker);
	}

	@Test
	void stagesTheLibraryChainsWithItsOwnFunctionsOnAFutureItFailsAreNotReported() {
		AgentFixture.collectReports();
		String library = marker();
		Placeholders.chainFailAndDrop(new IllegalStateException(library));
		assertNeverReported(library);
	}

	/**
	 * A stage made on a future that had failed is failed at once, without a hook on a
	 * pending stage: the library's all the same, as a pending one is.
	 */
	@Test
	void stagesTheLibraryChainsWithItsOwnFunctionsOnAFutureItFailedAreNotReported() {
		AgentFixture.collectReports();
		String library = marker();
		Placeholders.failChainAndDrop(new IllegalStateException(library));
		assertNeverReported(library);
	}

	@Test
	void aStageTheApplicationChainsWithAFunctionOfTheLibrarysOnAFutureItFailedIsTakenForTheLibrarys() {
		AgentFixture.collectReports();
		String marker = marker();
		CompletableFuture<String> handedOut = Placeholders.pending();
		Placeholders.fail(handedOut, new IllegalStateException(marker));
		handedOut.thenApply(Placeholders.lengthFunction());
		assertNeverReported(marker);
	}

	@Test
	void aStageTheLibraryChainsWithTheApplicationsFunctionOnAFutureItFailedIsTheApplications() {
		AgentFixture.collectReports();
		String marker = marker();
		CompletableFuture<String> handedOut = Placeholders.pending();
		Placeholders.fail(handedOut, new IllegalStateException(marker));
		OtherLibrary.transform(handedOut, (value) -> value + "!");
		assertThat(awaitReported(marker).exception()).hasMessage(marker);
	}

	/**
	 * Only the library's own failures are the library's in its stages: one the
	 * application made is the application's, whichever stage carries it on.
	 */
	@Test
	void aStageOfTheLibrarysOnAFutureTheApplicationFailedIsReportedWhenDropped() {
		AgentFixture.collectReports();
		String pending = marker();
		String failedFirst = marker();
		CompletableFuture<String> first = new CompletableFuture<>();
		Placeholders.lengthOf(first);
		first.completeExceptionally(new IllegalStateException(pending));
		CompletableFuture<String> second = new CompletableFuture<>();
		second.completeExceptionally(new IllegalStateException(failedFirst));
		Placeholders.lengthOf(second);
		assertThat(awaitReported(pending).exception()).hasMessage(pending);
		assertThat(awaitReported(failedFirst).exception()).hasMessage(failedFirst);
	}

	/**
	 * What makes a stage chained after its source failed the library's is the source's
	 * failure, noted as the library's when it failed: not the exception, which the
	 * application may put into futures of its own.
	 */
	@Test
	void aStageOfTheLibrarysOnTheApplicationsFutureFailedWithTheLibrarysExceptionIsReportedWhenDropped() {
		AgentFixture.collectReports();
		String relayed = marker();
		String bornFailed = marker();
		String carried = marker();
		// The application relays the library's failure into a future of its own.
		CompletableFuture<String> handedOut = Placeholders.pending();
		Placeholders.fail(handedOut, new IllegalStateException(relayed));
		CompletableFuture<String> own = new CompletableFuture<>();
		handedOut.exceptionally((ex) -> {
			own.completeExceptionally(ex);
			return null;
		});
		Placeholders.lengthOf(own);
		// It makes a future born failed with it.
		IllegalStateException failure = new IllegalStateException(bornFailed);
		Placeholders.fail(Placeholders.pending(), failure);
		Placeholders.lengthOf(CompletableFuture.failedFuture(failure));
		// Its own stage carries the library's failure on.
		CompletableFuture<String> other = Placeholders.pending();
		Placeholders.fail(other, new IllegalStateException(carried));
		Placeholders.lengthOf(other.thenApply((value) -> value + "!"));
		assertThat(awaitReported(relayed).exception()).hasMessage(relayed);
		assertThat(awaitReported(bornFailed).exception()).hasMessage(bornFailed);
		assertThat(awaitReported(carried).exception()).hasMessage(carried);
	}

	@Test
	void aStageTheApplicationChainsOnALibrarysStageIsReportedWhenDropped() {
		AgentFixture.collectReports();
		String marker = marker();
		CompletableFuture<String> handedOut = Placeholders.pending();
		Placeholders.lengthOf(handedOut).thenApply((length) -> length + 1);
		Placeholders.fail(handedOut, new IllegalStateException(marker));
		assertThat(awaitReported(marker).exception()).hasMessage(marker);
	}

	@Test
	void aStageTheLibraryChainsWithTheApplicationsFunctionIsTheApplications() {
		AgentFixture.collectReports();
		String marker = marker();
		CompletableFuture<String> handedOut = Placeholders.pending();
		OtherLibrary.transform(handedOut, (value) -> value + "!");
		Placeholders.fail(handedOut, new IllegalStateException(marker));
		assertThat(awaitReported(marker).exception()).hasMessage(marker);
	}

	@Test
	void tasksALibraryTakesBackWithShutdownNowAreNotReported() throws InterruptedException {
		AgentFixture.collectReports();
		String library = "library-pool-" + marker();
		String application = "application-pool-" + marker();
		CountDownLatch release = new CountDownLatch(1);
		try {
			assertThat(Placeholders.shutDownNowAndDrop(busyWithATaskQueued(library, release))).isOne();
			assertThat(busyWithATaskQueued(application, release).shutdownNow()).hasSize(1);
			assertThat(awaitReportedFrom(application).kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
			AgentFixture.awaitDetectorCaughtUp();
			assertThat(reportsOfExecutor(library)).isEmpty();
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void tasksALibraryTakesBackThroughTheJdksWrapperAreNotReported() throws InterruptedException {
		AgentFixture.collectReports();
		CountDownLatch release = new CountDownLatch(1);
		try {
			ExecutorService pool = Executors.newSingleThreadExecutor();
			assertThat(Placeholders.shutDownNowAndDrop(busyWithATaskQueued(pool, release))).isOne();
			String application = "application-pool-" + marker();
			assertThat(busyWithATaskQueued(application, release).shutdownNow()).hasSize(1);
			awaitReportedFrom(application);
			AgentFixture.awaitDetectorCaughtUp();
			// Only the application's pools' queued tasks, of this test and the others.
			assertThat(AgentFixture.allReports())
				.filteredOn((report) -> QueuedTask.class.getName().equals(report.task()))
				.isNotEmpty()
				.allSatisfy((report) -> assertThat(report.executor()).startsWith("application-pool-"));
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void tasksTheApplicationTakesBackThroughALibrarysWrapperAreReported() throws InterruptedException {
		AgentFixture.collectReports();
		String application = "application-pool-" + marker();
		CountDownLatch release = new CountDownLatch(1);
		try {
			ExecutorService wrapper = Placeholders.delegatingTo(busyWithATaskQueued(application, release));
			assertThat(wrapper.shutdownNow()).hasSize(1);
			assertThat(awaitReportedFrom(application).kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
		}
		finally {
			release.countDown();
		}
	}

	/**
	 * The agent tells who made a stage by its function (README): a function of the
	 * library's code that the application chains is taken for the library's stage.
	 */
	@Test
	void aStageTheApplicationChainsWithAFunctionOfTheLibrarysIsTakenForTheLibrarys() {
		AgentFixture.collectReports();
		String marker = marker();
		CompletableFuture<String> handedOut = Placeholders.pending();
		handedOut.thenApply(Placeholders.lengthFunction());
		Placeholders.fail(handedOut, new IllegalStateException(marker));
		assertNeverReported(marker);
	}

	@Test
	void aLibrarysStageCompleteBeforeItsSourceFailsIsWatchedAsAnyFuture() {
		AgentFixture.collectReports();
		String marker = marker();
		CompletableFuture<String> source = Placeholders.pending();
		CompletableFuture<Integer> stage = Placeholders.lengthOf(source);
		stage.complete(1);
		Placeholders.fail(source, new IllegalStateException("the library's"));
		stage.obtrudeException(new IllegalStateException(marker));
		stage = null;
		assertThat(awaitReported(marker).exception()).hasMessage(marker);
	}

	/**
	 * A pool of one thread, busy until released, with one task queued.
	 */
	private static ThreadPoolExecutor busyWithATaskQueued(String name, CountDownLatch release)
			throws InterruptedException {
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
		LeakedTasksAgent.tracker().orElseThrow().nameExecutor(pool, name);
		return busyWithATaskQueued(pool, release);
	}

	private static <E extends ExecutorService> E busyWithATaskQueued(E pool, CountDownLatch release)
			throws InterruptedException {
		CountDownLatch busy = new CountDownLatch(1);
		pool.execute(() -> {
			busy.countDown();
			try {
				release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		pool.submit(new QueuedTask());
		return pool;
	}

	static final class QueuedTask implements Callable<String> {

		@Override
		public String call() {
			return "never run";
		}

	}

	static final class ApplicationFuture<T> extends CompletableFuture<T> {

	}

}
