package io.github.leakedtasks.agent;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The dependents read from a {@code CompletableFuture}'s stack on this JDK: those that
 * complete with their source, and those that also wait for a second source still pending.
 */
class DependentsTests {

	@Test
	void stagesOfBothSourcesWaitingForAPendingSecondOneAreToldApart() throws ReflectiveOperationException {
		CompletableFuture<String> source = new CompletableFuture<>();
		CompletableFuture<String> pending = new CompletableFuture<>();
		CompletableFuture<String> done = CompletableFuture.completedFuture("done");
		CompletableFuture<String> applied = source.thenApply((value) -> value);
		CompletableFuture<String> combinedWithPending = source.thenCombine(pending, (first, second) -> first);
		CompletableFuture<String> combinedWithDone = source.thenCombine(done, (first, second) -> first);
		CompletableFuture<Void> bothRun = source.runAfterBoth(pending, () -> {
		});
		CompletableFuture<String> either = source.applyToEither(pending, (value) -> value);
		CompletableFuture<Void> all = CompletableFuture.allOf(source, pending);
		List<Object> due = new ArrayList<>();
		Map<Object, Object> awaiting = new IdentityHashMap<>();
		new Dependents().forEachDependent(source, due::add, awaiting::put);
		assertThat(due).containsExactlyInAnyOrder(applied, combinedWithDone, either);
		assertThat(awaiting).containsOnlyKeys(combinedWithPending, bothRun, all)
			.allSatisfy((stage, second) -> assertThat(second).isSameAs(pending));
		pending.complete("second");
		source.complete("first");
		assertThat(all).isCompleted();
	}

}
