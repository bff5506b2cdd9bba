package io.github.leakedtasks.autoconfigure;

import java.io.IOException;
import java.time.Duration;
import java.util.Arrays;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TrackingSettings;
import org.aopalliance.intercept.MethodInterceptor;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.AopContext;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link TrackedExecutors}: Spring's {@link AsyncTaskExecutor} wrapped by hand.
 */
class TrackedExecutorsTests {

	private final TaskTracker tracker = TaskTracker
		.create(TrackingSettings.builder().gracePeriod(Duration.ofMillis(200)).build());

	private final RecordingListener listener = new RecordingListener();

	private final ThreadPoolTaskExecutor pool = new ThreadPoolTaskExecutor();

	TrackedExecutorsTests() {
		this.tracker.addListener(this.listener);
		this.pool.initialize();
	}

	@AfterEach
	void close() {
		this.pool.shutdown();
		this.tracker.close();
	}

	@Test
	void lostSubmitCompletableFailureIsReportedAndTypeIsKept() {
		AsyncTaskExecutor executor = TrackedExecutors.wrap(this.tracker, "mail", this.pool);
		assertThat(executor).isInstanceOf(ThreadPoolTaskExecutor.class);
		loseCompletable(executor);
		awaitLeaksOf("mail");
		assertThat(this.listener.leaks.get(0).exception()).isInstanceOf(IOException.class);
	}

	@Test
	void executorThatCannotBeExtendedIsWrappedAsAnAsyncTaskExecutor() throws Exception {
		SimpleAsyncTaskExecutor simple = new SimpleAsyncTaskExecutor();
		AsyncTaskExecutor executor = TrackedExecutors.wrap(this.tracker, "simple", simple);
		assertThat(executor).isNotSameAs(simple);
		assertThat(executor.submitCompletable(() -> "ok").get(30, TimeUnit.SECONDS)).isEqualTo("ok");
		assertThat(TrackedExecutors.wrap(this.tracker, "simple", executor)).isSameAs(executor);
	}

	@Test
	void exceptionsSeenByCallersAreThoseOfTheExecutor() {
		AsyncTaskExecutor executor = TrackedExecutors.wrap(this.tracker, "mail", this.pool);
		assertThatExceptionOfType(CompletionException.class)
			.isThrownBy(() -> executor.submitCompletable(TrackedExecutorsTests::fail).join())
			.withCauseInstanceOf(IOException.class);
		assertThatExceptionOfType(CompletionException.class)
			.isThrownBy(() -> this.pool.submitCompletable(TrackedExecutorsTests::fail).join())
			.withCauseInstanceOf(IOException.class);
		assertThatExceptionOfType(ExecutionException.class)
			.isThrownBy(() -> executor.submit(TrackedExecutorsTests::fail).get(30, TimeUnit.SECONDS))
			.withCauseInstanceOf(IOException.class);
	}

	@Test
	void failureHandedToTheSchedulersErrorHandlerIsNotReported() throws Exception {
		List<Throwable> handled = new CopyOnWriteArrayList<>();
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.setErrorHandler(handled::add);
		scheduler.initialize();
		try {
			AsyncTaskExecutor executor = TrackedExecutors.wrap(this.tracker, "scheduler", scheduler);
			assertThat(executor.submit(TrackedExecutorsTests::fail).get(30, TimeUnit.SECONDS)).isNull();
			dropHandled(executor);
			await().atMost(Duration.ofSeconds(30)).until(() -> handled.size() == 2);
			loseCompletable(TrackedExecutors.wrap(this.tracker, "mail", this.pool));
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(this.listener.leaks).extracting(LeakReport::executor).contains("mail");
			});
			assertThat(this.listener.leaks).extracting(LeakReport::executor).doesNotContain("scheduler");
		}
		finally {
			scheduler.shutdown();
		}
	}

	@Test
	void completableCancelledOrCompletedWhileQueuedFinishesUnreported() throws Exception {
		this.pool.setMaxPoolSize(1);
		AsyncTaskExecutor executor = TrackedExecutors.wrap(this.tracker, "queue", this.pool);
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Future<?> blocker = executor.submit(() -> {
			started.countDown();
			return release.await(30, TimeUnit.SECONDS);
		});
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		CompletableFuture<String> cancelled = executor.submitCompletable(TrackedExecutorsTests::fail);
		CompletableFuture<String> completed = executor.submitCompletable(TrackedExecutorsTests::fail);
		assertThat(cancelled.cancel(false)).isTrue();
		assertThat(completed.complete("by the application")).isTrue();
		release.countDown();
		blocker.get(30, TimeUnit.SECONDS);
		// One thread: what was queued before this task has run, or was passed over: the
		// JDK's task does not call a task whose future is complete.
		executor.submit(() -> "last").get(30, TimeUnit.SECONDS);
		// Passed over, they finished: nothing of theirs is queued while their futures
		// are held.
		await().atMost(Duration.ofSeconds(30)).until(() -> this.tracker.liveTaskCount() == 0);
		assertThat(completed.join()).isEqualTo("by the application");
		cancelled = null;
		completed = null;
		ThreadPoolTaskExecutor mail = new ThreadPoolTaskExecutor();
		mail.initialize();
		try {
			loseCompletable(TrackedExecutors.wrap(this.tracker, "mail", mail));
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(this.listener.leaks).extracting(LeakReport::executor).contains("mail");
			});
		}
		finally {
			mail.shutdown();
		}
		assertThat(this.listener.leaks).extracting((leak) -> leak.executor() + " " + leak.kind())
			.containsExactly("mail EXCEPTION_NOT_RETRIEVED");
	}

	@Test
	void overriddenSubmitCompletableIsCalled() throws Exception {
		List<String> calls = new CopyOnWriteArrayList<>();
		ThreadPoolTaskExecutor custom = new ThreadPoolTaskExecutor() {

			@Override
			public <T> CompletableFuture<T> submitCompletable(Callable<T> task) {
				calls.add("submitCompletable");
				return super.submitCompletable(task);
			}

		};
		custom.initialize();
		try {
			AsyncTaskExecutor executor = TrackedExecutors.wrap(this.tracker, "custom", custom);
			assertThat(executor.submitCompletable(() -> "ok").get(30, TimeUnit.SECONDS)).isEqualTo("ok");
			assertThat(calls).containsExactly("submitCompletable");
		}
		finally {
			custom.shutdown();
		}
	}

	@Test
	void adviceOfAnExistingProxyStillRunsForSubmitCompletable() throws Exception {
		List<String> calls = new CopyOnWriteArrayList<>();
		ProxyFactory factory = new ProxyFactory(this.pool);
		factory.setProxyTargetClass(true);
		factory.addAdvice(recording(calls));
		AsyncTaskExecutor executor = TrackedExecutors.wrap(this.tracker, "advised",
				(ThreadPoolTaskExecutor) factory.getProxy());
		assertThat(executor.submitCompletable(() -> "ok").get(30, TimeUnit.SECONDS)).isEqualTo("ok");
		assertThat(calls).contains("submitCompletable");
		loseCompletable(executor);
		awaitLeaksOf("advised");
	}

	@Test
	void adviceAddedToTheProxyLaterRunsForSubmitCompletableAndItsTasksAreStillTracked() throws Exception {
		AsyncTaskExecutor executor = TrackedExecutors.wrap(this.tracker, "advisedLater", this.pool);
		assertThat(executor.submitCompletable(() -> "before").get(30, TimeUnit.SECONDS)).isEqualTo("before");
		List<String> calls = new CopyOnWriteArrayList<>();
		assertThat(executor).isInstanceOfSatisfying(Advised.class, (advised) -> {
			assertThat(advised.isFrozen()).isFalse();
			advised.addAdvice(recording(calls));
		});
		assertThat(executor.submitCompletable(() -> "ok").get(30, TimeUnit.SECONDS)).isEqualTo("ok");
		assertThat(calls).containsExactly("submitCompletable");
		loseCompletable(executor);
		awaitLeaksOf("advisedLater");
	}

	@Test
	void taskMethodsOfAClassBasedProxyReachTheEngineWithoutSpringsInvocationUntilAdviceIsAdded() throws Exception {
		RecordingExecutor recording = new RecordingExecutor(() -> Arrays.stream(new Throwable().getStackTrace())
			.map((frame) -> frame.getClassName().substring(frame.getClassName().lastIndexOf('.') + 1))
			.toList());
		List<Object> callers = recording.seen;
		recording.initialize();
		try {
			AsyncTaskExecutor executor = TrackedExecutors.wrap(this.tracker, "direct", recording);
			assertThat(executor.submitCompletable(() -> "direct").get(30, TimeUnit.SECONDS)).isEqualTo("direct");
			assertThat(frames(callers.get(0))).contains("DirectExecutorCalls", "ExecutorTracking")
				.doesNotContain("ReflectiveMethodInvocation", "CglibAopProxy$DynamicAdvisedInterceptor");
			List<String> calls = new CopyOnWriteArrayList<>();
			((Advised) executor).addAdvice(recording(calls));
			assertThat(executor.submitCompletable(() -> "advised").get(30, TimeUnit.SECONDS)).isEqualTo("advised");
			assertThat(frames(callers.get(1))).contains("DirectExecutorCalls",
					"CglibAopProxy$DynamicAdvisedInterceptor", "ReflectiveMethodInvocation");
			assertThat(calls).containsExactly("submitCompletable");
			loseCompletable(executor);
			awaitLeaksOf("direct");
		}
		finally {
			recording.shutdown();
		}
	}

	@Test
	void adviceInPlaceOfTheTrackingOneRunsAlone() throws Exception {
		AsyncTaskExecutor executor = TrackedExecutors.wrap(this.tracker, "replaced", this.pool);
		Advised advised = (Advised) executor;
		List<String> calls = new CopyOnWriteArrayList<>();
		advised.removeAdvisor(0);
		advised.addAdvice(recording(calls));
		assertThat(advised.getAdvisorCount()).isOne();
		CompletableFuture<String> future = executor.submitCompletable(() -> "ok");
		assertThat(future.get(30, TimeUnit.SECONDS)).isEqualTo("ok");
		assertThat(calls).containsExactly("submitCompletable");
		assertThat(future.getClass()).isEqualTo(CompletableFuture.class);
	}

	@Test
	void proxyExposedLaterIsSeenByTheExecutorsOwnMethods() throws Exception {
		RecordingExecutor exposing = new RecordingExecutor(AopContext::currentProxy);
		List<Object> proxies = exposing.seen;
		exposing.initialize();
		try {
			AsyncTaskExecutor executor = TrackedExecutors.wrap(this.tracker, "exposed", exposing);
			((Advised) executor).setExposeProxy(true);
			assertThat(executor.submitCompletable(() -> "ok").get(30, TimeUnit.SECONDS)).isEqualTo("ok");
			executor.execute(() -> {
			});
			assertThat(proxies).hasSize(2).allSatisfy((proxy) -> assertThat(proxy).isSameAs(executor));
		}
		finally {
			exposing.shutdown();
		}
	}

	@Test
	void taskSubmittedThroughAClassBasedProxyIsTracedToTheCallersLineWithTheStartersSettings() throws Exception {
		LeakedTasksProperties properties = new LeakedTasksProperties();
		properties.setGracePeriod(Duration.ofMillis(200));
		TaskTracker starters = TaskTracker.create(properties.toSettings());
		RecordingListener recorded = new RecordingListener();
		starters.addListener(recorded);
		try {
			AsyncTaskExecutor executor = TrackedExecutors.wrap(starters, "traced", this.pool);
			int direct = loseCompletableAndReturnItsLine(executor);
			((Advised) executor).addAdvice(recording(new CopyOnWriteArrayList<>()));
			int throughSpring = loseCompletableAndReturnItsLine(executor);
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(recorded.leaks).hasSize(2);
			});
			assertThat(recorded.leaks).extracting((leak) -> leak.creationTrace().frames().get(0))
				.extracting(StackTraceElement::getClassName, StackTraceElement::getLineNumber)
				.containsExactlyInAnyOrder(tuple(getClass().getName(), direct),
						tuple(getClass().getName(), throughSpring));
		}
		finally {
			starters.close();
		}
	}

	private static int loseCompletableAndReturnItsLine(AsyncTaskExecutor executor) {
		int line = new Throwable().getStackTrace()[0].getLineNumber() + 1;
		CompletableFuture<String> future = executor.submitCompletable(TrackedExecutorsTests::fail);
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
		return line;
	}

	/**
	 * A public executor class, which gets a class-based proxy, that records something of
	 * each {@code execute} call before it runs the task.
	 */
	public static class RecordingExecutor extends ThreadPoolTaskExecutor {

		final List<Object> seen = new CopyOnWriteArrayList<>();

		private final transient Supplier<Object> recorded;

		RecordingExecutor(Supplier<Object> recorded) {
			this.recorded = recorded;
		}

		@Override
		public void execute(Runnable task) {
			this.seen.add(this.recorded.get());
			super.execute(task);
		}

	}

	@SuppressWarnings("unchecked")
	private static List<String> frames(Object recorded) {
		return (List<String>) recorded;
	}

	private static MethodInterceptor recording(List<String> calls) {
		return (invocation) -> {
			calls.add(invocation.getMethod().getName());
			return invocation.proceed();
		};
	}

	private void awaitLeaksOf(String... executors) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaks).extracting(LeakReport::executor).containsExactly(executors);
		});
	}

	private static void dropHandled(AsyncTaskExecutor executor) {
		Future<String> future = executor.submit(TrackedExecutorsTests::fail);
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	private static void loseCompletable(AsyncTaskExecutor executor) {
		CompletableFuture<String> future = executor.submitCompletable(TrackedExecutorsTests::fail);
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	private static String fail() throws IOException {
		throw new IOException("smtp down");
	}

}
