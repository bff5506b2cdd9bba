package io.github.leakedtasks.autoconfigure;

import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.interceptor.AsyncExecutionInterceptor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.core.task.support.TaskExecutorAdapter;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link AsyncSubmissionInterceptor}.
 */
class AsyncSubmissionInterceptorTests {

	private final ExecutorService pool = Executors.newSingleThreadExecutor();

	@AfterEach
	void shutdown() {
		this.pool.shutdownNow();
	}

	@Test
	void failureToResolveTheTrackingDoesNotReachTheCaller() throws Exception {
		// As when an @Async method is first called while the context closes, and the
		// tracker bean can no longer be created.
		AsyncExecutorNames names = new AsyncExecutorNames(new DefaultListableBeanFactory(), () -> {
			throw new IllegalStateException("Singleton bean creation not allowed");
		}, Set.of());
		AsyncExecutionInterceptor async = new AsyncExecutionInterceptor(new TaskExecutorAdapter(this.pool));
		ProxyFactory factory = new ProxyFactory(new Greeter());
		factory.addAdvice(new AsyncSubmissionInterceptor(names, async));
		factory.addAdvice(async);
		Greeter greeter = (Greeter) factory.getProxy();
		assertThat(greeter.greet().get(30, TimeUnit.SECONDS)).isEqualTo("hello");
		assertThat(greeter.greet().get(30, TimeUnit.SECONDS)).isEqualTo("hello");
	}

	public static class Greeter {

		public CompletableFuture<String> greet() {
			return CompletableFuture.completedFuture("hello");
		}

	}

}
