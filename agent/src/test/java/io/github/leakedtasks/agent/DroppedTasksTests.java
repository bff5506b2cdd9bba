package io.github.leakedtasks.agent;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.ThreadFactory;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.AbstractExecutorService;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RejectedExecutionHandler;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;
import java.util.function.Supplier;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import org.springframework.scheduling.concurrent.ExecutorConfigurationSupport;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;

import static io.github.leakedtasks.agent.AgentFixture.awaitDetectorCaughtUp;
import static io.github.leakedtasks.agent.AgentFixture.awaitReportedFrom;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static io.github.leakedtasks.agent.AgentFixture.reportsOfExecutor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tasks the JDK's executors let go of unrun, with no wrapper: discarded by
 * {@code DiscardPolicy} or {@code DiscardOldestPolicy}, dropped by
 * {@code CallerRunsPolicy} once the pool is shut down, or handed back by
 * {@code shutdownNow} and never run.
 */
class DroppedTasksTests {

	private final TaskTracker tracker = LeakedTasksAgent.tracker().orElseThrow();

	private final CountDownLatch release = new CountDownLatch(1);

	private final String name = "dropping-" + marker();

	private final List<ThreadPoolExecutor> pools = new ArrayList<>();

	@AfterEach
	void shutDown() {
		this.release.countDown();
		this.pools.forEach(ThreadPoolExecutor::shutdownNow);
	}

	@Test
	void taskSubmittedAndDiscardedByDiscardPolicyIsReportedAsDropped() throws InterruptedException {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.DiscardPolicy());
		pool.submit(() -> "queued");
		Future<String> discarded = pool.submit(new NamedTask());
		assertThat(discarded.isDone()).isFalse();
		discarded = null;
		LeakReport report = awaitReportedFrom(this.name);
		assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
		assertThat(report.exception()).isNull();
		assertThat(report.task()).isEqualTo(NamedTask.class.getName());
	}

	@Test
	void runnableDiscardedByDiscardPolicyIsReportedAtOnce() throws InterruptedException {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.DiscardPolicy());
		pool.execute(() -> {
		});
		Runnable discarded = () -> {
		};
		pool.execute(discarded);
		// Held: nothing needs collecting, since nothing else can run it.
		assertThat(reportsOfExecutor(this.name)).singleElement()
			.satisfies((report) -> assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING));
		assertThat(discarded).isNotNull();
	}

	@Test
	void supplyAsyncDiscardedByDiscardPolicyIsReportedAsDropped() throws InterruptedException {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.DiscardPolicy());
		pool.execute(() -> {
		});
		CompletableFuture.supplyAsync(() -> "never", pool);
		assertThat(awaitReportedFrom(this.name).kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
	}

	@Test
	void oldestTaskDiscardedByDiscardOldestPolicyIsReportedAndTheNewestRuns() throws Exception {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.DiscardOldestPolicy());
		pool.submit(new NamedTask());
		Future<String> newest = pool.submit(() -> "newest");
		LeakReport report = awaitReportedFrom(this.name);
		assertThat(report.task()).isEqualTo(NamedTask.class.getName());
		this.release.countDown();
		assertThat(newest.get(30, TimeUnit.SECONDS)).isEqualTo("newest");
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).hasSize(1);
	}

	@Test
	void runnableDiscardedByDiscardOldestPolicyIsReportedAtOnceAndTheNewestRuns() throws Exception {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.DiscardOldestPolicy());
		AtomicBoolean oldestRan = new AtomicBoolean();
		Runnable oldest = () -> oldestRan.set(true);
		pool.execute(oldest);
		CountDownLatch newestRan = new CountDownLatch(1);
		pool.execute(newestRan::countDown);
		// Held: nothing needs collecting, since nothing else can run it.
		assertThat(reportsOfExecutor(this.name)).singleElement()
			.satisfies((report) -> assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING));
		this.release.countDown();
		assertThat(newestRan.await(30, TimeUnit.SECONDS)).isTrue();
		pool.shutdown();
		assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		assertThat(oldestRan).isFalse();
		assertThat(oldest).isNotNull();
		assertThat(reportsOfExecutor(this.name)).hasSize(1);
	}

	@Test
	void oldestTaskDiscardedByDiscardOldestPolicyWhoseFutureTheCallerCancelsIsNotReported() throws Exception {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.DiscardOldestPolicy());
		awaitCollected(discardOldestAndCancelIt(pool));
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
	}

	@Test
	void taskDiscardOldestPolicyPollsFromACopyOfTheQueueIsNotReportedAndRuns() throws Exception {
		// A subclass's getQueue() hands the policy a copy: what it polls still runs.
		ThreadPoolExecutor pool = named(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(2),
				new ThreadPoolExecutor.DiscardOldestPolicy()) {

			@Override
			public BlockingQueue<Runnable> getQueue() {
				return new LinkedBlockingQueue<>(super.getQueue());
			}

		});
		CountDownLatch busy = new CountDownLatch(1);
		pool.execute(() -> {
			busy.countDown();
			awaitQuietly(this.release);
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		CountDownLatch ran = new CountDownLatch(2);
		pool.execute(ran::countDown);
		new ThreadPoolExecutor.DiscardOldestPolicy().rejectedExecution(ran::countDown, pool);
		this.release.countDown();
		assertThat(ran.await(30, TimeUnit.SECONDS)).as("both tasks ran").isTrue();
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
	}

	@Test
	void tasksRejectedByDiscardOldestPolicyOfAShutDownPoolAreReported() {
		ThreadPoolExecutor pool = named(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
				new ThreadPoolExecutor.DiscardOldestPolicy()));
		pool.shutdown();
		AtomicBoolean ran = new AtomicBoolean();
		pool.execute(() -> ran.set(true));
		assertThat(ran).isFalse();
		assertThat(reportsOfExecutor(this.name)).singleElement()
			.satisfies((report) -> assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING));
		Future<String> dropped = pool.submit(new NamedTask());
		assertThat(dropped.isDone()).isFalse();
		dropped = null;
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(reportsOfExecutor(this.name)).hasSize(2)
				.anySatisfy((report) -> assertThat(report.task()).isEqualTo(NamedTask.class.getName()));
		});
	}

	@Test
	void taskHandedBackByShutdownNowIsReportedOnceNobodyCanRunIt() throws InterruptedException {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		pool.submit(new NamedTask());
		assertThat(pool.shutdownNow()).hasSize(1);
		assertThat(awaitReportedFrom(this.name).kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
	}

	@Test
	void taskHandedBackByShutdownNowThatTheCallerRunsIsNotReported() throws Exception {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		WeakReference<Object> pending = shutDownRunningWhatIsHandedBack(pool);
		awaitCollected(pending);
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
	}

	@Test
	void taskHandedBackByShutdownNowThatTheCallerCancelsIsNotReported() throws Exception {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		WeakReference<Object> pending = shutDownCancellingWhatIsHandedBack(pool);
		awaitCollected(pending);
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
	}

	@Test
	void supplyAsyncWhoseFutureWasCancelledIsNotReportedWhenHandedBack() throws InterruptedException {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		WeakReference<Object> handedBack = shutDownAfterCancellingSupplyAsync(pool);
		awaitCollected(handedBack);
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
	}

	@Test
	void supplyAsyncWhoseFutureIsCancelledAfterShutdownNowIsNotReported() throws InterruptedException {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		CompletableFuture<String> future = CompletableFuture.supplyAsync(() -> "never", pool);
		WeakReference<Object> handedBack = handBackOnly(pool);
		assertThat(future.cancel(true)).isTrue();
		awaitCollected(handedBack);
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
		assertThat(future).isCancelled();
	}

	@Test
	void cancelledTaskAndPlainRunnableHandedBackByShutdownNowAreNotReported() throws Exception {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.AbortPolicy(), 2);
		pool.submit(() -> "cancelled").cancel(false);
		pool.execute(() -> {
		});
		assertThat(pool.shutdownNow()).hasSize(2);
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void plainTaskLeftQueuedWhenSpringShutsItsExecutorDownIsReportedAndFutureItCancelsIsNot(boolean decorated)
			throws Exception {
		// Spring's ExecutorConfigurationSupport.shutdown() cancels the futures
		// shutdownNow() hands back and lets go of every other task: also when a
		// TaskDecorator hid the future inside a task of its own.
		ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
		executor.setCorePoolSize(1);
		if (decorated) {
			executor.setTaskDecorator((task) -> () -> task.run());
		}
		executor.initialize();
		ThreadPoolExecutor pool = named(executor.getThreadPoolExecutor());
		CountDownLatch busy = new CountDownLatch(1);
		executor.execute(() -> {
			busy.countDown();
			awaitQuietly(this.release);
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		// Spring finds the future a decorated task hides in a map whose entries any
		// collection clears (next test): one now, so that none runs before shutdown.
		System.gc();
		executor.execute(new NamedRunnable());
		Future<String> cancelled = executor.submit(() -> "cancelled by Spring");
		executor.shutdown();
		assertThat(cancelled.isCancelled()).isTrue();
		assertThat(pool.isShutdown()).isTrue();
		assertThat(awaitReportedFrom(this.name).task()).isEqualTo(NamedRunnable.class.getName());
		WeakReference<Object> future = new WeakReference<>(cancelled);
		cancelled = null;
		awaitCollected(future);
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).singleElement().satisfies((report) -> {
			assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
			assertThat(report.task()).isEqualTo(NamedRunnable.class.getName());
		});
	}

	@Test
	void plainTaskLeftQueuedWhenSpringShutsASchedulerDownIsReportedAndFuturesItCancelsAreNot() throws Exception {
		// The scheduler's pool wraps execute's task in a future of its own, as it wraps
		// submit's and schedule's, and Spring's shutdown cancels them all: nobody else
		// holds the first, named after the task inside Spring's error-handling task.
		ThreadPoolTaskScheduler scheduler = busySpringScheduler();
		scheduler.execute(new NamedRunnable());
		Future<String> submitted = scheduler.submit(() -> "cancelled by Spring");
		ScheduledFuture<?> delayed = scheduler.schedule(new NamedRunnable(), Instant.now().plus(Duration.ofHours(1)));
		scheduler.shutdown();
		assertThat(submitted.isCancelled()).isTrue();
		assertThat(delayed.isCancelled()).isTrue();
		assertThat(awaitReportedFrom(this.name).task()).isEqualTo(NamedRunnable.class.getName());
		WeakReference<Object> held = new WeakReference<>(submitted);
		WeakReference<Object> scheduled = new WeakReference<>(delayed);
		submitted = null;
		delayed = null;
		awaitCollected(held);
		awaitCollected(scheduled);
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).singleElement()
			.satisfies((report) -> assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING));
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void completableTaskLeftQueuedWhenSpringShutsASchedulerDownIsReportedUnlessItsFutureIsCompleted(boolean complete)
			throws Exception {
		// submitCompletable is the JDK's task given to the scheduler's execute, inside
		// Spring's error-handling task: the caller holds the CompletableFuture.
		ThreadPoolTaskScheduler scheduler = busySpringScheduler();
		CompletableFuture<String> future = scheduler.submitCompletable(() -> "never run");
		scheduler.shutdown();
		if (complete) {
			assertThat(future.complete("by the application")).isTrue();
			WeakReference<Object> completed = new WeakReference<>(future);
			future = null;
			// The drop's watch holds the future until the JDK's task is collected.
			awaitCollected(completed);
			awaitDetectorCaughtUp();
			assertThat(reportsOfExecutor(this.name)).isEmpty();
		}
		else {
			assertThat(awaitReportedFrom(this.name).kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
			awaitDetectorCaughtUp();
			assertThat(reportsOfExecutor(this.name)).hasSize(1);
			assertThat(future).isNotDone();
		}
	}

	@Test
	void futureGivenToASchedulersExecuteAndLeftQueuedWhenSpringShutsItDownIsTheCallers() throws Exception {
		// The caller holds its FutureTask, and may run it: it is watched like a future
		// handed back, and Spring's shutdown cancels the pool's future around it only.
		ThreadPoolTaskScheduler scheduler = busySpringScheduler();
		FutureTask<String> own = new FutureTask<>(() -> "run by the caller");
		scheduler.execute(own);
		scheduler.shutdown();
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
		own.run();
		assertThat(own.get(30, TimeUnit.SECONDS)).isEqualTo("run by the caller");
		System.gc();
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void taskAScheduledPoolExecutedAndHandedBackToTheApplicationIsReportedOnlyIfNeitherRunNorCancelled(boolean settle)
			throws Exception {
		// The application's own shutdownNow: it may run or cancel what it gets back.
		ScheduledThreadPoolExecutor scheduler = busyScheduler();
		scheduler.execute(new NamedRunnable());
		List<Runnable> tasks = scheduler.shutdownNow();
		assertThat(tasks).hasSize(1);
		if (settle) {
			assertThat(((Future<?>) tasks.get(0)).cancel(false)).isTrue();
			WeakReference<Object> handedBack = new WeakReference<>(tasks.get(0));
			tasks = null;
			awaitCollected(handedBack);
			awaitDetectorCaughtUp();
			assertThat(reportsOfExecutor(this.name)).isEmpty();
		}
		else {
			tasks = null;
			assertThat(awaitReportedFrom(this.name)).satisfies((report) -> {
				assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
				assertThat(report.task()).isEqualTo(NamedRunnable.class.getName());
			});
			awaitDetectorCaughtUp();
			assertThat(reportsOfExecutor(this.name)).hasSize(1);
		}
	}

	@Test
	void futureSpringForgetsToCancelOnShutdownBecauseACollectionClearedItsMapIsReportedAsDropped() throws Exception {
		// Spring's ThreadPoolTaskExecutor finds the future behind a decorated task in a
		// ConcurrentReferenceHashMap of weak entries: after a collection, its shutdown
		// neither cancels nor runs the future, whose get() then never returns.
		ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
		executor.setCorePoolSize(1);
		executor.setTaskDecorator((task) -> new DecoratedRunnable(task));
		executor.initialize();
		ThreadPoolExecutor pool = named(executor.getThreadPoolExecutor());
		CountDownLatch busy = new CountDownLatch(1);
		executor.execute(() -> {
			busy.countDown();
			awaitQuietly(this.release);
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		Future<String> forgotten = executor.submit(() -> "forgotten by Spring");
		System.gc();
		executor.shutdown();
		assertThat(pool.isShutdown()).isTrue();
		assertThat(forgotten.isDone()).isFalse();
		assertThat(awaitReportedFrom(this.name)).satisfies((report) -> {
			assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
			assertThat(report.task()).isEqualTo(DecoratedRunnable.class.getName());
		});
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).hasSize(1);
	}

	@Test
	void plainTaskThatAWrapperBetweenSpringAndThePoolRunsOnShutdownIsNotReported() throws Exception {
		// Spring's shutdown calls the wrapper's shutdownNow, which runs what the pool
		// hands back: the pool's caller is the wrapper, not Spring.
		RunningLeftTasksOnShutdown executor = new RunningLeftTasksOnShutdown();
		executor.initialize();
		named(executor.pool);
		CountDownLatch busy = new CountDownLatch(1);
		executor.pool.execute(() -> {
			busy.countDown();
			awaitQuietly(this.release);
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		AtomicBoolean ran = new AtomicBoolean();
		Runnable left = () -> ran.set(true);
		executor.pool.execute(left);
		executor.shutdown();
		assertThat(ran).isTrue();
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
	}

	@Test
	void delayedTaskHandedBackByShutdownNowIsReportedButPeriodicOneIsNot() throws InterruptedException {
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
		this.pools.add(scheduler);
		this.tracker.nameExecutor(scheduler, this.name);
		scheduler.scheduleAtFixedRate(() -> {
		}, 1, 1, TimeUnit.HOURS);
		scheduler.schedule(new NamedTask(), 1, TimeUnit.HOURS);
		assertThat(scheduler.shutdownNow()).hasSize(2);
		awaitReportedFrom(this.name);
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).singleElement()
			.satisfies((report) -> assertThat(report.task()).isEqualTo(NamedTask.class.getName()));
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void supplyAsyncOnAScheduledPoolWhoseHandedBackFutureIsCancelledOrRunIsReportedAsDropped(boolean run)
			throws Exception {
		// The pool's execute() wraps the JDK's task in a future of its own, which
		// cancelling (as Spring's shutdown does) leaves the caller's future pending; so
		// does running it, since it cancels itself once its pool is shut down.
		ScheduledThreadPoolExecutor scheduler = busyScheduler();
		CompletableFuture<String> future = CompletableFuture.supplyAsync(new NamedSupplier(), scheduler);
		List<Runnable> handedBack = scheduler.shutdownNow();
		assertThat(handedBack).hasSize(1);
		if (run) {
			handedBack.get(0).run();
		}
		else {
			assertThat(((Future<?>) handedBack.get(0)).cancel(false)).isTrue();
		}
		assertThat(((Future<?>) handedBack.get(0)).isCancelled()).isTrue();
		assertThat(awaitReportedFrom(this.name)).satisfies((report) -> {
			assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
			assertThat(report.task()).isEqualTo(NamedSupplier.class.getName());
		});
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).hasSize(1);
		assertThat(future).isNotDone();
	}

	@Test
	void supplyAsyncOnAScheduledPoolWhoseFutureIsCancelledAfterShutdownNowIsNotReported() throws Exception {
		ScheduledThreadPoolExecutor scheduler = busyScheduler();
		CompletableFuture<String> future = CompletableFuture.supplyAsync(new NamedSupplier(), scheduler);
		List<Runnable> tasks = scheduler.shutdownNow();
		assertThat(tasks).hasSize(1);
		assertThat(future.cancel(true)).isTrue();
		WeakReference<Object> handedBack = new WeakReference<>(tasks.get(0));
		tasks = null;
		awaitCollected(handedBack);
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
		assertThat(future).isCancelled();
	}

	@ParameterizedTest
	@ValueSource(booleans = { false, true })
	void supplyAsyncWhoseFutureIsCompletedAfterShutdownNowAndLetGoOfIsNotReported(boolean scheduled) throws Exception {
		// The application lets go of the future it completed: it is collected with the
		// task, and must still tell that nothing waits for the task.
		ThreadPoolExecutor pool = scheduled ? busyScheduler() : busySingleThread(new ThreadPoolExecutor.AbortPolicy());
		CompletableFuture<String> future = CompletableFuture.supplyAsync(new NamedSupplier(), pool);
		List<Runnable> handedBack = pool.shutdownNow();
		assertThat(handedBack).hasSize(1);
		assertThat(future.complete("completed by the caller")).isTrue();
		future = null;
		if (scheduled) {
			// As Spring's shutdown does.
			assertThat(((Future<?>) handedBack.get(0)).cancel(false)).isTrue();
		}
		WeakReference<Object> task = new WeakReference<>(handedBack.get(0));
		handedBack = null;
		awaitCollected(task);
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
	}

	@Test
	void runnableRejectedByCallerRunsPolicyOfAShutDownPoolIsReportedAtOnce() {
		ThreadPoolExecutor pool = named(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
				new ThreadPoolExecutor.CallerRunsPolicy()));
		pool.shutdown();
		AtomicBoolean ran = new AtomicBoolean();
		Runnable dropped = () -> ran.set(true);
		pool.execute(dropped);
		assertThat(ran).isFalse();
		assertThat(reportsOfExecutor(this.name)).singleElement()
			.satisfies((report) -> assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING));
	}

	@Test
	void taskSubmittedToAShutDownPoolWithCallerRunsPolicyIsReportedAsDropped() {
		ThreadPoolExecutor pool = named(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
				new ThreadPoolExecutor.CallerRunsPolicy()));
		pool.shutdown();
		Future<String> dropped = pool.submit(new NamedTask());
		assertThat(dropped.isDone()).isFalse();
		dropped = null;
		LeakReport report = awaitReportedFrom(this.name);
		assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
		assertThat(report.task()).isEqualTo(NamedTask.class.getName());
	}

	@Test
	void tasksCallerRunsPolicyRunsInTheCallerAreNotReported() throws Exception {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.CallerRunsPolicy());
		pool.execute(() -> {
		});
		String caller = Thread.currentThread().getName();
		AtomicReference<String> ranOn = new AtomicReference<>();
		pool.execute(() -> ranOn.set(Thread.currentThread().getName()));
		assertThat(ranOn).hasValue(caller);
		awaitCollected(submittedAndRunBy(pool, caller));
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
	}

	@Test
	void tasksCallerRunsPolicyRunsBecauseASubclassSaysItIsNotShutDownAreNotReported() throws Exception {
		ThreadPoolExecutor pool = named(new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
				new ThreadPoolExecutor.CallerRunsPolicy()) {

			@Override
			public boolean isShutdown() {
				return false;
			}

		});
		pool.shutdown();
		AtomicBoolean ran = new AtomicBoolean();
		pool.execute(() -> ran.set(true));
		assertThat(ran).isTrue();
		awaitCollected(submittedAndRunBy(pool, Thread.currentThread().getName()));
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
	}

	@Test
	void tasksThatRunAreNotReported() throws Exception {
		ThreadPoolExecutor pool = busySingleThread(new ThreadPoolExecutor.DiscardPolicy());
		Future<String> queued = pool.submit(() -> "queued");
		this.release.countDown();
		assertThat(queued.get(30, TimeUnit.SECONDS)).isEqualTo("queued");
		queued = null;
		pool.shutdown();
		assertThat(pool.awaitTermination(30, TimeUnit.SECONDS)).isTrue();
		awaitDetectorCaughtUp();
		assertThat(reportsOfExecutor(this.name)).isEmpty();
	}

	/**
	 * Submit a task that the pool's CallerRunsPolicy runs in the caller, read its result,
	 * and let go of its future.
	 */
	private static WeakReference<Object> submittedAndRunBy(ThreadPoolExecutor pool, String caller) throws Exception {
		Future<String> submitted = pool.submit(() -> Thread.currentThread().getName());
		assertThat(submitted.get(30, TimeUnit.SECONDS)).isEqualTo(caller);
		return new WeakReference<>(submitted);
	}

	private static WeakReference<Object> discardOldestAndCancelIt(ThreadPoolExecutor pool) {
		Future<String> oldest = pool.submit(new NamedTask());
		Future<String> newest = pool.submit(() -> "newest");
		assertThat(pool.getQueue()).containsExactly((Runnable) newest);
		assertThat(oldest.cancel(false)).isTrue();
		return new WeakReference<>(oldest);
	}

	private static WeakReference<Object> shutDownCancellingWhatIsHandedBack(ThreadPoolExecutor pool) {
		Future<String> pending = pool.submit(() -> "never");
		for (Runnable task : pool.shutdownNow()) {
			((Future<?>) task).cancel(false);
		}
		assertThat(pending.isCancelled()).isTrue();
		return new WeakReference<>(pending);
	}

	private static WeakReference<Object> shutDownRunningWhatIsHandedBack(ThreadPoolExecutor pool) throws Exception {
		Future<String> pending = pool.submit(() -> "run by the caller");
		pool.shutdownNow().forEach(Runnable::run);
		assertThat(pending.get(30, TimeUnit.SECONDS)).isEqualTo("run by the caller");
		return new WeakReference<>(pending);
	}

	private static WeakReference<Object> shutDownAfterCancellingSupplyAsync(ThreadPoolExecutor pool) {
		CompletableFuture<String> future = CompletableFuture.supplyAsync(() -> "never", pool);
		assertThat(future.cancel(true)).isTrue();
		List<Runnable> handedBack = pool.shutdownNow();
		assertThat(handedBack).hasSize(1);
		return new WeakReference<>(handedBack.get(0));
	}

	private static WeakReference<Object> handBackOnly(ThreadPoolExecutor pool) {
		List<Runnable> handedBack = pool.shutdownNow();
		assertThat(handedBack).hasSize(1);
		return new WeakReference<>(handedBack.get(0));
	}

	/**
	 * Wait until a task is collected: a check that nothing is reported for it means
	 * something only then.
	 */
	private static void awaitCollected(WeakReference<Object> task) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(task.get()).isNull();
		});
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	private ThreadPoolExecutor named(ThreadPoolExecutor pool) {
		this.pools.add(pool);
		this.tracker.nameExecutor(pool, this.name);
		return pool;
	}

	/**
	 * A scheduled pool of one thread busy until the test ends, named after the test.
	 */
	private ScheduledThreadPoolExecutor busyScheduler() throws InterruptedException {
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
		named(scheduler);
		CountDownLatch busy = new CountDownLatch(1);
		scheduler.execute(() -> {
			busy.countDown();
			awaitQuietly(this.release);
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		return scheduler;
	}

	/**
	 * A Spring scheduler whose one thread is busy until the test ends, named after the
	 * test.
	 */
	private ThreadPoolTaskScheduler busySpringScheduler() throws InterruptedException {
		ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
		scheduler.initialize();
		named(scheduler.getScheduledThreadPoolExecutor());
		CountDownLatch busy = new CountDownLatch(1);
		scheduler.execute(() -> {
			busy.countDown();
			awaitQuietly(this.release);
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		return scheduler;
	}

	private ThreadPoolExecutor busySingleThread(RejectedExecutionHandler handler) throws InterruptedException {
		return busySingleThread(handler, 1);
	}

	/**
	 * A single thread busy until the test ends, with room for this many queued tasks,
	 * named after the test.
	 */
	private ThreadPoolExecutor busySingleThread(RejectedExecutionHandler handler, int capacity)
			throws InterruptedException {
		ThreadPoolExecutor pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(capacity),
				handler);
		this.pools.add(pool);
		this.tracker.nameExecutor(pool, this.name);
		CountDownLatch busy = new CountDownLatch(1);
		pool.execute(() -> {
			busy.countDown();
			try {
				this.release.await();
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		});
		assertThat(busy.await(30, TimeUnit.SECONDS)).isTrue();
		return pool;
	}

	/**
	 * A Spring executor whose pool sits behind a wrapper that runs, on shutdown, the
	 * tasks the pool hands back.
	 */
	static final class RunningLeftTasksOnShutdown extends ExecutorConfigurationSupport {

		ThreadPoolExecutor pool;

		@Override
		protected ExecutorService initializeExecutor(ThreadFactory threadFactory,
				RejectedExecutionHandler rejectedExecutionHandler) {
			this.pool = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), threadFactory);
			ThreadPoolExecutor pool = this.pool;
			return new AbstractExecutorService() {

				@Override
				public void shutdown() {
					pool.shutdown();
				}

				@Override
				public List<Runnable> shutdownNow() {
					pool.shutdownNow().forEach(Runnable::run);
					return List.of();
				}

				@Override
				public boolean isShutdown() {
					return pool.isShutdown();
				}

				@Override
				public boolean isTerminated() {
					return pool.isTerminated();
				}

				@Override
				public boolean awaitTermination(long timeout, TimeUnit unit) throws InterruptedException {
					return pool.awaitTermination(timeout, unit);
				}

				@Override
				public void execute(Runnable command) {
					pool.execute(command);
				}

			};
		}

	}

	static final class DecoratedRunnable implements Runnable {

		private final Runnable task;

		DecoratedRunnable(Runnable task) {
			this.task = task;
		}

		@Override
		public void run() {
			this.task.run();
		}

	}

	static final class NamedRunnable implements Runnable {

		@Override
		public void run() {
		}

	}

	static final class NamedSupplier implements Supplier<String> {

		@Override
		public String get() {
			return "supplied";
		}

	}

	static final class NamedTask implements java.util.concurrent.Callable<String> {

		@Override
		public String call() {
			return "never";
		}

	}

}
