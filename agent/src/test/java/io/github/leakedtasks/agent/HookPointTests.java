package io.github.leakedtasks.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hook points exist on the running JDK, and a missing one is noticed before its
 * advice is installed.
 */
class HookPointTests {

	@Test
	void everyRequiredHookPointExistsOnThisJdk() {
		assertThat(allHookPoints()).filteredOn((hook) -> !hook.optional())
			.allSatisfy((hook) -> assertThat(hook.exists()).as(hook.describe()).isTrue());
	}

	@Test
	void optionalHookPointsExistFromJdk19() {
		boolean expected = Runtime.version().feature() >= 19;
		assertThat(allHookPoints()).filteredOn(HookPoint::optional)
			.filteredOn((hook) -> !marksTheJdksOwnFutures(hook))
			.isNotEmpty()
			.allSatisfy((hook) -> assertThat(hook.exists()).as(hook.describe()).isEqualTo(expected));
	}

	/**
	 * The JDK's own methods that make futures are optional, since the stack tells their
	 * futures apart without them, but exist on every supported JDK.
	 */
	@Test
	void hookPointsOfTheJdksOwnMakersOfFuturesExistOnThisJdk() {
		assertThat(allHookPoints()).filteredOn(HookPointTests::marksTheJdksOwnFutures)
			.hasSize(8)
			.allSatisfy((hook) -> assertThat(hook.optional()).as(hook.describe()).isTrue())
			.allSatisfy((hook) -> assertThat(hook.exists()).as(hook.describe()).isTrue());
	}

	private static boolean marksTheJdksOwnFutures(HookPoint hook) {
		return hook.advice() == CompletableFutureAdvice.NextIsOwn.class
				|| hook.advice() == CompletableFutureAdvice.StageIsOwn.class
				|| hook.advice() == CompletableFutureAdvice.AsyncStageIsOwn.class
				|| hook.advice() == CompletableFutureAdvice.AnyOfIsOwn.class;
	}

	/**
	 * {@code DiscardOldestPolicy}'s advice runs the policy's body in its place, as the
	 * JDKs it was checked on write it: a later JDK keeps its own.
	 */
	@Test
	void discardOldestPolicyIsHookedOnlyOnTheJdksWhoseBodyItRepeats() {
		assertThat(FutureInstrumentation.discardPolicies(17)).extracting(HookPoint::advice)
			.contains(ThreadPoolExecutorAdvice.DiscardOldest.class);
		assertThat(FutureInstrumentation.discardPolicies(FutureInstrumentation.LAST_CHECKED_FEATURE))
			.extracting(HookPoint::advice)
			.contains(ThreadPoolExecutorAdvice.DiscardOldest.class);
		assertThat(FutureInstrumentation.discardPolicies(FutureInstrumentation.LAST_CHECKED_FEATURE + 1))
			.extracting(HookPoint::advice)
			.doesNotContain(ThreadPoolExecutorAdvice.DiscardOldest.class)
			.contains(ThreadPoolExecutorAdvice.Discard.class, ThreadPoolExecutorAdvice.CallerRuns.class);
	}

	/**
	 * The bridge reads {@code CompletableFuture}'s result on this JDK; where it could
	 * not, {@code CompletableFuture} alone is left alone, with a problem named, and the
	 * agent starts for the other types rather than not at all.
	 */
	@Test
	void completableFutureIsLeftAloneWhereItsResultCannotBeRead() {
		assertThat(FutureHooks.readsCompletableFutures()).isTrue();
		List<String> problems = new ArrayList<>();
		assertThat(AgentInstaller.dependents(problems, true)).isNotNull();
		assertThat(problems).isEmpty();
		assertThat(AgentInstaller.dependents(problems, false)).isNull();
		assertThat(problems).singleElement().asString().startsWith("java.util.concurrent.CompletableFuture");
	}

	@Test
	void mistypedHookPointDoesNotExist() {
		HookPoint hook = HookPoint.of(CompletableFuture.class, "completeThrowabl",
				CompletableFutureAdvice.CompleteThrowable.class, "java.lang.Throwable");
		assertThat(hook.exists()).isFalse();
	}

	private static List<HookPoint> allHookPoints() {
		List<HookPoint> hooks = new ArrayList<>(FutureInstrumentation.completableFuture());
		hooks.addAll(FutureInstrumentation.futureTask());
		hooks.addAll(FutureInstrumentation.nestedTypes());
		return hooks;
	}

}
