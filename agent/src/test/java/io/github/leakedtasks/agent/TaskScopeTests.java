package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskScope;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
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

	private static CompletableFuture<String> supplyAsyncFailing(String marker) {
		return CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException(marker);
		});
	}

}
