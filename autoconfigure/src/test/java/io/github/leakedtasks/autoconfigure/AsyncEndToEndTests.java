package io.github.leakedtasks.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakReport;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.stereotype.Service;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end: a real application's {@code @Async} methods on a qualified executor and on
 * Spring Boot's default one.
 */
@SpringBootTest(classes = AsyncEndToEndTests.OrderApplication.class, properties = { "leaked-tasks.grace-period=200ms",
		"spring.task.execution.mode=force", "leaked-tasks.creation-trace.mode=always" })
class AsyncEndToEndTests {

	@Autowired
	private OrderService orders;

	@Autowired
	private RecordingListener listener;

	@BeforeEach
	void clear() {
		this.listener.leaks.clear();
		this.listener.uncaught.clear();
	}

	@Test
	void lostCompletableFutureFailureIsReportedOnceWithMethodNameAndCallersLine() {
		int line = loseConfirmation();
		LeakReport report = awaitLeak("OrderService.sendConfirmation");
		assertThat(report.executor()).isEqualTo("ordersExecutor");
		assertThat(report.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED);
		assertThat(report.exception()).isInstanceOf(IOException.class).hasMessage("smtp down");
		StackTraceElement first = report.creationTrace().frames().get(0);
		assertThat(first.getClassName()).isEqualTo(getClass().getName());
		assertThat(first.getLineNumber()).isEqualTo(line);
		awaitControl();
		assertThat(this.listener.leaksOf("OrderService.sendConfirmation")).hasSize(1);
	}

	@Test
	void lostFutureFailureIsReported() {
		loseLegacyFuture();
		assertThat(awaitLeak("OrderService.legacyFuture").executor()).isEqualTo("ordersExecutor");
	}

	@Test
	void lostFailureOnDefaultExecutorIsReportedUnderItsBeanName() {
		loseOnDefault();
		assertThat(awaitLeak("OrderService.onDefault").executor()).isEqualTo("applicationTaskExecutor");
	}

	@Test
	void handledFailuresAreNotReported() throws Exception {
		assertThat(this.orders.sendConfirmation(true).exceptionally((ex) -> "handled").join()).isEqualTo("handled");
		assertThatExceptionOfType(ExecutionException.class)
			.isThrownBy(() -> this.orders.legacyFuture(true).get(30, TimeUnit.SECONDS))
			.withCauseInstanceOf(IllegalStateException.class);
		assertThat(this.orders.sendConfirmation(false).get(30, TimeUnit.SECONDS)).isEqualTo("sent");
		this.orders.sendConfirmation(false);
		awaitControl();
		assertThat(this.listener.leaks).extracting(LeakReport::task)
			.containsExactly("OrderService.control", "OrderService.control");
	}

	@Test
	void voidMethodFailureIsCountedAsUncaughtWithItsCreationTrace() {
		this.orders.notifyWarehouse(true);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> assertThat(this.listener.uncaught).hasSize(1));
		assertThat(this.listener.uncaught.get(0).task()).isEqualTo("OrderService.notifyWarehouse");
		assertThat(this.listener.uncaught.get(0).creationTrace().site().getMethodName())
			.isEqualTo("voidMethodFailureIsCountedAsUncaughtWithItsCreationTrace");
		awaitControl();
		assertThat(this.listener.leaksOf("OrderService.notifyWarehouse")).isEmpty();
	}

	private int loseConfirmation() {
		int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
		CompletableFuture<String> future = this.orders.sendConfirmation(true);
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
		return line;
	}

	private void loseLegacyFuture() {
		Future<String> future = this.orders.legacyFuture(true);
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	private void loseOnDefault() {
		CompletableFuture<String> future = this.orders.onDefault(true);
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	private void loseControl() {
		CompletableFuture<String> future = this.orders.control();
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	private LeakReport awaitLeak(String task) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaksOf(task)).isNotEmpty();
		});
		return this.listener.leaksOf(task).get(0);
	}

	/**
	 * Lose a control failure and wait until it is confirmed, twice: the second is
	 * collected by a later collection than anything lost before the first, so what was
	 * not reported by then is not reported.
	 */
	private void awaitControl() {
		for (int round = 0; round < 2; round++) {
			int expected = this.listener.leaksOf("OrderService.control").size() + 1;
			loseControl();
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(this.listener.leaksOf("OrderService.control")).hasSize(expected);
			});
		}
	}

	@SpringBootApplication
	@EnableAsync
	static class OrderApplication {

		@Bean
		ThreadPoolTaskExecutor ordersExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(2);
			executor.setThreadNamePrefix("orders-");
			return executor;
		}

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

		@Bean
		OrderService orderService() {
			return new OrderService();
		}

	}

	@Service
	static class OrderService {

		@Async("ordersExecutor")
		public CompletableFuture<String> sendConfirmation(boolean fail) {
			if (fail) {
				return CompletableFuture.failedFuture(new IOException("smtp down"));
			}
			return CompletableFuture.completedFuture("sent");
		}

		@Async("ordersExecutor")
		public Future<String> legacyFuture(boolean fail) {
			if (fail) {
				throw new IllegalStateException("legacy");
			}
			return CompletableFuture.completedFuture("ok");
		}

		@Async("ordersExecutor")
		public void notifyWarehouse(boolean fail) {
			if (fail) {
				throw new IllegalStateException("warehouse down");
			}
		}

		@Async
		public CompletableFuture<String> onDefault(boolean fail) {
			throw new IllegalStateException("default");
		}

		@Async("ordersExecutor")
		public CompletableFuture<String> control() {
			throw new IllegalStateException("control");
		}

	}

}
