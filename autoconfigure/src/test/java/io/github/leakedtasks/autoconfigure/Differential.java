package io.github.leakedtasks.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Predicate;

import io.github.leakedtasks.tracking.TaskTracker;
import org.assertj.core.api.ThrowableAssert.ThrowingCallable;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Runs one scenario in a context with leaked-tasks disabled and in one with it enabled,
 * and asserts that both observe the same outcome: values, exception classes, messages and
 * causes, flags, thread names and types.
 */
final class Differential {

	private final ApplicationContextRunner runner;

	private final Predicate<Object> tracked;

	private final String[] beanNames;

	private Differential(ApplicationContextRunner runner, Predicate<Object> tracked, String... beanNames) {
		this.runner = runner;
		this.tracked = tracked;
		this.beanNames = beanNames;
	}

	/**
	 * Compare runs whose named executor beans are wrapped when leaked-tasks is enabled:
	 * by a proxy, or by the engine's own wrapper for a JDK executor declared as its
	 * interface.
	 */
	static Differential executors(ApplicationContextRunner runner, String... beanNames) {
		return new Differential(runner, (bean) -> ExecutorProxies.isWrapped(bean) || TaskTracker.isTracked(bean),
				beanNames);
	}

	/**
	 * Compare runs whose named beans have their {@code @Async} methods tracked when
	 * leaked-tasks is enabled.
	 */
	static Differential asyncBeans(ApplicationContextRunner runner, String... beanNames) {
		return new Differential(runner, Differential::isAsyncTracked, beanNames);
	}

	/**
	 * Run a scenario in both contexts and return the outcome they agree on.
	 * @param scenario what to do in a context and what it observed
	 * @return the outcome observed with leaked-tasks enabled
	 */
	List<Object> outcome(Scenario scenario) {
		List<Object> untouched = run(false, scenario);
		List<Object> tracked = run(true, scenario);
		assertThat(tracked).as("outcome with leaked-tasks enabled, against disabled").isEqualTo(untouched);
		return tracked;
	}

	private List<Object> run(boolean enabled, Scenario scenario) {
		AtomicReference<List<Object>> outcome = new AtomicReference<>();
		this.runner.withPropertyValues("leaked-tasks.enabled=" + enabled).run((context) -> {
			assertThat(context).hasNotFailed();
			for (String beanName : this.beanNames) {
				// Otherwise the comparison would prove nothing. With the Java agent, a
				// bean the
				// agent tracks is left unwrapped: the comparison then proves that the
				// starter
				// with the agent changes nothing.
				boolean tracked = this.tracked.test(context.getBean(beanName))
						|| (enabled && AgentMode.leftToTheAgent(context, beanName));
				assertThat(tracked).as("'%s' tracked", beanName).isEqualTo(enabled);
			}
			List<Object> observed = new ArrayList<>();
			scenario.run(context, observed);
			outcome.set(observed);
		});
		return outcome.get();
	}

	private static boolean isAsyncTracked(Object bean) {
		return AopUtils.isAopProxy(bean) && bean instanceof Advised advised
				&& List.of(advised.getAdvisors())
					.stream()
					.anyMatch((advisor) -> advisor.getAdvice() instanceof AsyncSubmissionInterceptor);
	}

	/**
	 * Describe what a call threw, or that it returned: class, message and causes, with
	 * identity hash codes and lambda names left out, as they differ from run to run.
	 */
	static String failure(ThrowingCallable call) {
		try {
			call.call();
			return "returned";
		}
		catch (Throwable ex) {
			return describe(ex);
		}
	}

	static String describe(Throwable ex) {
		StringBuilder description = new StringBuilder();
		for (Throwable current = ex; current != null; current = current.getCause()) {
			if (current != ex) {
				description.append(" <- ");
			}
			description.append(current.getClass().getName()).append(": ").append(current.getMessage());
			if (current.getCause() == current) {
				break;
			}
		}
		return description.toString()
			.replaceAll("\\$\\$Lambda[^\\s@\\]]*", "\\$\\$Lambda")
			.replaceAll("@[0-9a-f]+", "@");
	}

	/**
	 * A scenario: acts on a context and adds what it observes.
	 */
	@FunctionalInterface
	interface Scenario {

		void run(AssertableApplicationContext context, List<Object> observed) throws Throwable;

	}

}
