package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.LeakStatus;
import io.github.leakedtasks.tracking.TaskScope;
import io.github.leakedtasks.tracking.TaskTracker;
import org.junit.jupiter.api.Test;

import static io.github.leakedtasks.agent.AgentFixture.awaitReported;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * A {@code CompletableFuture} a class fails while it initializes may be a constant of
 * that class, a sentinel it keeps failed and hands out for good (graphql-java's
 * {@code NoOpValueCache}): it is never listed as suspected while it is reachable, and
 * reported, as any failure, once it is collected unretrieved (an initializer that drops a
 * failed future loses it as any code does). The same futures held outside a class
 * initializer are suspected.
 */
class ConstantFailuresTests {

	@Test
	void futuresFailedByAClassInitializerAreReportedOnlyOnceCollected() {
		AgentFixture.collectReports();
		// Initializes the class: its sentinels are made, two of them dropped at once.
		assertThat(Sentinels.KEPT.isCompletedExceptionally()).isTrue();
		assertThat(Sentinels.KEPT_BORN_FAILED.isCompletedExceptionally()).isTrue();
		assertThat(Sentinels.KEPT_THROUGH_REFLECTION.isCompletedExceptionally()).isTrue();
		assertThat(awaitReported(Sentinels.DROPPED).exception()).hasMessage(Sentinels.DROPPED);
		assertThat(awaitReported(Sentinels.DROPPED_BORN_FAILED).exception()).hasMessage(Sentinels.DROPPED_BORN_FAILED);
		// Held outside an initializer, past the grace period: suspected. The sentinels
		// failed before it, and are not (groups are told apart by exception type, and a
		// group with a confirmed leak is confirmed: the kept ones have a type of their
		// own).
		CompletableFuture<Object> control = Sentinels.failed(new HeldFailure());
		TaskTracker tracker = LeakedTasksAgent.tracker().orElseThrow();
		await().atMost(Duration.ofSeconds(30))
			.until(() -> suspectedTypes(tracker).contains(HeldFailure.class.getName()));
		assertThat(suspectedTypes(tracker)).doesNotContain(KeptFailure.class.getName());
		assertThat(control.isCompletedExceptionally()).isTrue();
		// Not read before, which would retrieve them.
		assertThat(Sentinels.KEPT.isCompletedExceptionally()).isTrue();
	}

	/**
	 * A test that initializes a class holding a failed sentinel did not lose it: its
	 * scope takes nothing of it, and takes a future failed the same way outside an
	 * initializer.
	 */
	@Test
	void constantOfAClassInitializedInATestIsNotTheTestsLeak() {
		String held = marker();
		List<LeakReport> leaks;
		try (TaskScope scope = TaskScope.open("test")) {
			assertThat(ScopeSentinel.KEPT.isCompletedExceptionally()).isTrue();
			CompletableFuture<Object> control = Sentinels.failedThroughAHelper(held);
			scope.close();
			assertThat(scope.awaitTasks(Duration.ofSeconds(30))).isTrue();
			leaks = scope.takeLeaks();
			assertThat(control.isCompletedExceptionally()).isTrue();
		}
		assertThat(leaks).extracting((leak) -> leak.exception().getMessage()).containsExactly(held);
	}

	@Test
	void sameFuturesFailedOutsideAClassInitializerAreReported() {
		String explicit = marker();
		String bornFailed = marker();
		Sentinels.failedThroughAHelper(explicit);
		CompletableFuture.failedFuture(new IllegalStateException(bornFailed));
		assertThat(awaitReported(explicit).exception()).hasMessage(explicit);
		assertThat(awaitReported(bornFailed).exception()).hasMessage(bornFailed);
	}

	private static List<String> suspectedTypes(TaskTracker tracker) {
		return tracker.leaks()
			.stream()
			.filter((group) -> group.status() == LeakStatus.SUSPECTED)
			.map(LeakGroup::exceptionType)
			.toList();
	}

	static final class HeldFailure extends RuntimeException {

	}

	static final class KeptFailure extends RuntimeException {

		KeptFailure(String message) {
			super(message);
		}

	}

	static final class SentinelFailure extends RuntimeException {

		SentinelFailure(String message) {
			super(message);
		}

	}

	static final class ScopeSentinel {

		static final CompletableFuture<Object> KEPT = Sentinels.keptThroughAHelper(UUID.randomUUID().toString());

		private ScopeSentinel() {
		}

	}

	static final class Sentinels {

		static final String DROPPED = UUID.randomUUID().toString();

		static final String DROPPED_BORN_FAILED = UUID.randomUUID().toString();

		static final String KEPT_MESSAGE = UUID.randomUUID().toString();

		static final String KEPT_BORN_FAILED_MESSAGE = UUID.randomUUID().toString();

		static final String KEPT_THROUGH_REFLECTION_MESSAGE = UUID.randomUUID().toString();

		/** Failed explicitly, two calls down from the initializer. */
		static final CompletableFuture<Object> KEPT = keptThroughAHelper(KEPT_MESSAGE);

		static final CompletableFuture<Object> KEPT_BORN_FAILED = CompletableFuture
			.failedFuture(new KeptFailure(KEPT_BORN_FAILED_MESSAGE));

		/** Failed explicitly through reflection, whose frames do not count. */
		static final CompletableFuture<Object> KEPT_THROUGH_REFLECTION = throughReflection();

		static {
			failedThroughAHelper(DROPPED);
			CompletableFuture.failedFuture(new SentinelFailure(DROPPED_BORN_FAILED));
		}

		private Sentinels() {
		}

		@SuppressWarnings("unchecked")
		private static CompletableFuture<Object> throughReflection() {
			try {
				return (CompletableFuture<Object>) Sentinels.class.getDeclaredMethod("keptThroughAHelper", String.class)
					.invoke(null, KEPT_THROUGH_REFLECTION_MESSAGE);
			}
			catch (ReflectiveOperationException ex) {
				throw new IllegalStateException(ex);
			}
		}

		static CompletableFuture<Object> keptThroughAHelper(String message) {
			return failed(new KeptFailure(message));
		}

		static CompletableFuture<Object> failedThroughAHelper(String message) {
			return failed(new SentinelFailure(message));
		}

		static CompletableFuture<Object> failed(Throwable failure) {
			CompletableFuture<Object> future = new CompletableFuture<>();
			future.completeExceptionally(failure);
			return future;
		}

	}

}
