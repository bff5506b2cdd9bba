package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end on virtual threads: Spring Boot's {@code applicationTaskExecutor} is then a
 * {@link SimpleAsyncTaskExecutor}, left unwrapped because of its final methods, and its
 * {@code @Async} methods are tracked all the same.
 */
@EnabledForJreRange(min = JRE.JAVA_21)
@SpringBootTest(classes = VirtualThreadsEndToEndTests.VirtualApplication.class, properties = {
		"leaked-tasks.grace-period=200ms", "spring.threads.virtual.enabled=true", "spring.task.execution.mode=force" })
class VirtualThreadsEndToEndTests {

	@Autowired
	private Reports reports;

	@Autowired
	private RecordingListener listener;

	@Autowired
	private ApplicationContext context;

	@Test
	void lostFailureOnVirtualThreadIsReported() {
		assertThat(this.context.getBean("applicationTaskExecutor")).isInstanceOf(SimpleAsyncTaskExecutor.class);
		loseReport();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaksOf("Reports.render")).hasSize(1);
		});
		assertThat(this.listener.leaksOf("Reports.render").get(0).executor()).isEqualTo("applicationTaskExecutor");
	}

	@Test
	void virtualThreadPerTaskExecutorBeanIsWrappedAndTracked() {
		Object bean = this.context.getBean("virtualExecutor");
		// A JDK executor declared as its interface gets the engine's own wrapper.
		assertThat(io.github.leakedtasks.tracking.TaskTracker.isTracked(bean)).isTrue();
		loseOn((java.util.concurrent.ExecutorService) bean);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaks)
				.anySatisfy((leak) -> assertThat(leak.executor()).isEqualTo("virtualExecutor"));
		});
	}

	private static void loseOn(java.util.concurrent.ExecutorService executor) {
		java.util.concurrent.Future<Object> future = executor.submit(() -> {
			throw new IllegalStateException("virtual");
		});
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	@Test
	void handledFailureOnVirtualThreadIsNotReported() {
		assertThat(this.reports.render().handle((value, ex) -> ex.getClass().getSimpleName()).join())
			.isEqualTo("CompletionException");
		assertThat(this.reports.threadIsVirtual().join()).isTrue();
	}

	private void loseReport() {
		CompletableFuture<String> future = this.reports.render();
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	@SpringBootApplication
	@EnableAsync
	static class VirtualApplication {

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

		@Bean
		Reports reports() {
			return new Reports();
		}

		@Bean(destroyMethod = "shutdownNow")
		java.util.concurrent.ExecutorService virtualExecutor() throws ReflectiveOperationException {
			// Java 21 API, called reflectively: the library compiles for Java 17.
			return (java.util.concurrent.ExecutorService) java.util.concurrent.Executors.class
				.getMethod("newVirtualThreadPerTaskExecutor")
				.invoke(null);
		}

	}

	static class Reports {

		@Async
		public CompletableFuture<String> render() {
			throw new IllegalStateException("template missing");
		}

		@Async
		public CompletableFuture<Boolean> threadIsVirtual() {
			return CompletableFuture.completedFuture(Thread.currentThread().toString().startsWith("VirtualThread"));
		}

	}

}
