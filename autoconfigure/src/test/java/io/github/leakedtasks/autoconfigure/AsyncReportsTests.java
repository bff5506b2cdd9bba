package io.github.leakedtasks.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.OverdueTask;
import io.github.leakedtasks.tracking.TaskTracker;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationEventPublisher;
import org.springframework.context.annotation.Bean;
import org.springframework.context.event.EventListener;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * End-to-end: what a real application's {@code @Async} methods deliver after they
 * returned, where they are stuck or dropped, and what the endpoint lists besides leaks.
 */
@SpringBootTest(classes = AsyncReportsTests.ComposingApplication.class,
		properties = { "leaked-tasks.grace-period=200ms", "leaked-tasks.overdue-threshold=300ms",
				"leaked-tasks.creation-trace.mode=always" })
class AsyncReportsTests {

	@Autowired
	private ComposingService service;

	@Autowired
	private RecordingListener listener;

	@Autowired
	private TaskTracker tracker;

	@Autowired
	private ApplicationEventPublisher publisher;

	@BeforeEach
	void clear() {
		this.listener.leaks.clear();
		this.listener.uncaught.clear();
	}

	@Test
	void failureAfterTheMethodReturnedIsReported() {
		loseLateFailure();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaksOf("ComposingService.compose")).singleElement()
				.satisfies((report) -> assertThat(report.exception()).isInstanceOf(IOException.class));
		});
	}

	private void loseLateFailure() {
		CompletableFuture<String> returned = new CompletableFuture<>();
		CompletableFuture<String> future = this.service.compose(returned);
		returned.completeExceptionally(new IOException("after the method returned"));
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	@Test
	void failureAfterTheMethodReturnedSeenByWhenCompleteIsNotReported() throws InterruptedException {
		CountDownLatch seen = new CountDownLatch(1);
		observeLateFailure(seen);
		assertThat(seen.await(30, TimeUnit.SECONDS)).isTrue();
		awaitControl();
		assertThat(this.listener.leaksOf("ComposingService.compose")).isEmpty();
	}

	private void observeLateFailure(CountDownLatch seen) {
		CompletableFuture<String> returned = new CompletableFuture<>();
		this.service.compose(returned).whenComplete((value, ex) -> seen.countDown());
		returned.completeExceptionally(new IOException("after the method returned"));
	}

	@Test
	void stuckAsyncMethodIsListedOverdue() throws InterruptedException {
		CountDownLatch release = new CountDownLatch(1);
		this.service.stuck(release);
		try {
			await().atMost(Duration.ofSeconds(30))
				.untilAsserted(() -> assertThat(this.tracker.overdueTasks()).anySatisfy((task) -> {
					assertThat(task.task()).isEqualTo("ComposingService.stuck");
					assertThat(task.executor()).isEqualTo("composingExecutor");
					assertThat(task.state()).isEqualTo(OverdueTask.State.RUNNING);
				}));
		}
		finally {
			release.countDown();
		}
	}

	@Test
	void asyncCallDiscardedByTheExecutorIsReportedAsDropped() throws InterruptedException {
		CountDownLatch release = new CountDownLatch(1);
		try {
			this.service.blockDiscarding(release);
			this.service.queued();
			this.service.discarded();
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(this.listener.leaksOf("ComposingService.discarded")).singleElement()
					.satisfies((report) -> assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING));
			});
		}
		finally {
			release.countDown();
		}
		awaitControl();
		assertThat(this.listener.leaksOf("ComposingService.queued")).isEmpty();
	}

	@Test
	void uncaughtFailureIsListedBesideTheLeaksWithoutCountingAsOne() {
		this.service.fireAndForget();
		await().atMost(Duration.ofSeconds(30))
			.untilAsserted(() -> assertThat(this.tracker.leaks()).anySatisfy((group) -> {
				assertThat(group.kind()).isEqualTo(LeakKind.UNCAUGHT);
				assertThat(group.task()).isEqualTo("ComposingService.fireAndForget");
				assertThat(group.creationTrace()).isNotNull();
			}));
		assertThat(this.tracker.summary().totals()).doesNotContainKey(LeakKind.UNCAUGHT);
	}

	@Test
	void failureOfAnAsyncEventListenerIsGroupedByTheApplicationLineThatPublishedTheEvent() {
		int line = publishOrderPlaced();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			assertThat(this.tracker.leaks()).anySatisfy((group) -> {
				assertThat(group.task()).isEqualTo("ComposingService.onOrderPlaced");
				StackTraceElement origin = group.creationTrace().origin();
				assertThat(origin.getClassName()).isEqualTo(getClass().getName());
				assertThat(origin.getLineNumber()).isEqualTo(line);
				assertThat(group.creationTrace().site().getClassName()).startsWith("org.springframework.");
			});
		});
	}

	private int publishOrderPlaced() {
		int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
		this.publisher.publishEvent(new OrderPlaced());
		return line;
	}

	private void awaitControl() {
		for (int round = 0; round < 2; round++) {
			int expected = this.listener.leaksOf("ComposingService.control").size() + 1;
			CompletableFuture<String> control = this.service.control();
			await().atMost(Duration.ofSeconds(30)).until(control::isDone);
			control = null;
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(this.listener.leaksOf("ComposingService.control")).hasSize(expected);
			});
		}
	}

	record OrderPlaced() {
	}

	@SpringBootApplication
	@EnableAsync
	static class ComposingApplication {

		@Bean
		ThreadPoolTaskExecutor composingExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(2);
			return executor;
		}

		@Bean
		ThreadPoolTaskExecutor discardingExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			executor.setMaxPoolSize(1);
			executor.setQueueCapacity(1);
			executor.setRejectedExecutionHandler(new ThreadPoolExecutor.DiscardPolicy());
			return executor;
		}

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

		@Bean
		ComposingService composingService() {
			return new ComposingService();
		}

	}

	static class ComposingService {

		@Async("composingExecutor")
		public CompletableFuture<String> compose(CompletableFuture<String> returned) {
			return returned;
		}

		@Async("composingExecutor")
		public void stuck(CountDownLatch release) throws InterruptedException {
			release.await(30, TimeUnit.SECONDS);
		}

		@Async("discardingExecutor")
		public void blockDiscarding(CountDownLatch release) throws InterruptedException {
			release.await(30, TimeUnit.SECONDS);
		}

		@Async("discardingExecutor")
		public void queued() {
		}

		@Async("discardingExecutor")
		public void discarded() {
		}

		@Async("composingExecutor")
		public void fireAndForget() {
			throw new IllegalStateException("nobody waits for me");
		}

		@Async("composingExecutor")
		@EventListener
		public void onOrderPlaced(OrderPlaced event) {
			throw new IllegalStateException("listener failed");
		}

		@Async("composingExecutor")
		public CompletableFuture<String> control() {
			throw new IllegalStateException("control");
		}

	}

}
