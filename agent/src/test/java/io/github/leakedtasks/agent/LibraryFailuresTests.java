package io.github.leakedtasks.agent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import com.example.library.Placeholders;
import com.example.libraryish.Lookalike;
import com.example.other.OtherLibrary;
import io.github.leakedtasks.tracking.LeakKind;
import org.junit.jupiter.api.Test;

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
		String control = marker();
		Placeholders.fail(new CompletableFuture<>(), new IllegalStateException(marker));
		new CompletableFuture<>().completeExceptionally(new IllegalStateException(control));
		awaitReported(control);
		AgentFixture.awaitDetectorCaughtUp();
		assertThat(reportsOf(marker)).isEmpty();
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
		String control = marker();
		Placeholders.chainFailAndDrop(new IllegalStateException(library));
		new CompletableFuture<>().completeExceptionally(new IllegalStateException(control));
		awaitReported(control);
		AgentFixture.awaitDetectorCaughtUp();
		assertThat(reportsOf(library)).isEmpty();
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

	/**
	 * A pool of one thread, busy until released, with one task queued.
	 */
	private static ThreadPoolExecutor busyWithATaskQueued(String name, CountDownLatch release)
			throws InterruptedException {
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
		LeakedTasksAgent.tracker().orElseThrow().nameExecutor(pool, name);
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
		pool.submit(() -> "never run");
		return pool;
	}

	static final class ApplicationFuture<T> extends CompletableFuture<T> {

	}

}
