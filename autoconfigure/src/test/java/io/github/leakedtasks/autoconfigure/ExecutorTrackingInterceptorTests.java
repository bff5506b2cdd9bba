package io.github.leakedtasks.autoconfigure;

import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.autoconfigure.ExecutorProxiesTests.CovariantExecutor;
import io.github.leakedtasks.autoconfigure.ExecutorProxiesTests.CustomFuture;
import io.github.leakedtasks.tracking.TaskTracker;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ExecutorTrackingInterceptor}.
 */
class ExecutorTrackingInterceptorTests {

	private final TaskTracker tracker = TaskTracker.create();

	private final CovariantExecutor executor = new CovariantExecutor();

	@AfterEach
	void close() {
		this.executor.shutdownNow();
		this.tracker.close();
	}

	@Test
	void submitWithCovariantReturnTypePassesThroughAProxyItWasAddedTo() throws Exception {
		ProxyFactory factory = new ProxyFactory(this.executor);
		factory.setProxyTargetClass(true);
		factory.addAdvice(new ExecutorTrackingInterceptor(this.tracker.executor("covariant")));
		CovariantExecutor proxy = (CovariantExecutor) factory.getProxy();
		CustomFuture<String> future = proxy.submit(() -> "ok");
		assertThat(future.get(30, TimeUnit.SECONDS)).isEqualTo("ok");
		assertThat(future).isInstanceOf(ExecutorProxiesTests.CustomFutureTask.class);
	}

}
