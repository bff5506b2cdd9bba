package io.github.leakedtasks.agent;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

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
			.isNotEmpty()
			.allSatisfy((hook) -> assertThat(hook.exists()).as(hook.describe()).isEqualTo(expected));
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
