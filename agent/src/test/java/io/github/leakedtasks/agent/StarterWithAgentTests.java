package io.github.leakedtasks.agent;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.SynchronousQueue;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.logging.Handler;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.tracing.Span;
import io.micrometer.tracing.Tracer;
import io.micrometer.tracing.test.simple.SimpleTracer;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import io.github.leakedtasks.autoconfigure.LeakedTasksAutoConfiguration;
import io.github.leakedtasks.autoconfigure.LeakedTasksMetricsAutoConfiguration;
import io.github.leakedtasks.autoconfigure.LeakedTasksTracingAutoConfiguration;
import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TraceIds;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import static io.github.leakedtasks.agent.AgentFixture.allReports;
import static io.github.leakedtasks.agent.AgentFixture.awaitDetectorCaughtUp;
import static io.github.leakedtasks.agent.AgentFixture.awaitReported;
import static io.github.leakedtasks.agent.AgentFixture.marker;
import static io.github.leakedtasks.agent.AgentFixture.reportsOf;
import static io.github.leakedtasks.agent.AgentFixture.reportsOfExecutor;
import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * The Spring starter with the agent attached: one engine, each leak reported once to the
 * application's listeners and meters, and the agent's own log quiet meanwhile.
 */
@ExtendWith(OutputCaptureExtension.class)
class StarterWithAgentTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, LeakedTasksAutoConfiguration.class,
				LeakedTasksMetricsAutoConfiguration.class))
		.withUserConfiguration(Application.class);

	private final AgentLog agentLog = new AgentLog();

	/**
	 * Held: JUL keeps loggers weakly, and one collected with its handler is made again
	 * without it.
	 */
	private final Logger agentLogger = Logger.getLogger("io.github.leakedtasks");

	@BeforeEach
	void listenToTheAgentsLog() {
		this.agentLogger.addHandler(this.agentLog);
		// Before any task of a test: a report made before the collector is missed.
		AgentFixture.collectReports();
	}

	@AfterEach
	void stopListening() {
		this.agentLogger.removeHandler(this.agentLog);
	}

	@Test
	void applicationReportsThroughTheAgentsEngine() {
		this.runner.run((context) -> assertThat(context.getBean(TaskTracker.class))
			.isSameAs(LeakedTasksAgent.tracker().orElseThrow()));
	}

	@Test
	void agentsEngineOutlivesTheContext() {
		this.runner.run((context) -> assertThat(context).hasSingleBean(TaskTracker.class));
		String marker = marker();
		supplyAsyncIgnored(marker);
		awaitReported(marker);
	}

	@Test
	void lostSupplyAsyncIsReportedOnceToTheApplicationAndItsMeters() {
		this.runner.run((context) -> {
			// An exception of its own: the agent's log would show a new group only.
			String marker = marker();
			CompletableFuture.supplyAsync(() -> {
				throw new MeteredException(marker);
			});
			Recorded recorded = context.getBean(Recorded.class);
			awaitReported(marker);
			awaitDetectorCaughtUp();
			assertThat(reportsOf(marker)).hasSize(1);
			assertThat(recorded.reportsOf(marker)).hasSize(1);
			assertThat(unretrieved(context.getBean(MeterRegistry.class), AgentFixture.asyncPoolName(),
					MeteredException.class))
				.isEqualTo(1);
			assertThat(this.agentLog.mentions(marker)).isFalse();
		});
	}

	@Test
	void lostFailureOfAnExecutorBeansFutureIsReportedOnceUnderTheBeansName() {
		this.runner.run((context) -> {
			String marker = marker();
			ExecutorService orders = context.getBean("orders", ExecutorService.class);
			orders.submit(() -> {
				throw new IllegalStateException(marker);
			});
			awaitReported(marker);
			awaitDetectorCaughtUp();
			assertThat(reportsOf(marker)).singleElement()
				.satisfies((report) -> assertThat(report.executor()).isEqualTo("orders"));
			assertThat(context.getBean(Recorded.class).reportsOf(marker)).hasSize(1);
		});
	}

	@Test
	void lostFailuresOfTheJdksDelegatingExecutorBeansAreReportedOnceUnderTheBeansNames() {
		this.runner.run((context) -> {
			String marker = marker();
			String scheduledMarker = marker();
			context.getBean("single", ExecutorService.class).submit(() -> {
				throw new IllegalStateException(marker);
			});
			context.getBean("singleScheduler", ScheduledExecutorService.class).schedule(() -> {
				throw new IllegalStateException(scheduledMarker);
			}, 1, TimeUnit.MILLISECONDS);
			awaitReported(marker);
			awaitReported(scheduledMarker);
			awaitDetectorCaughtUp();
			assertThat(reportsOf(marker)).singleElement()
				.satisfies((report) -> assertThat(report.executor()).isEqualTo("single"));
			assertThat(reportsOf(scheduledMarker)).singleElement()
				.satisfies((report) -> assertThat(report.executor()).isEqualTo("singleScheduler"));
			assertThat(context.getBean(Recorded.class).reportsOf(marker)).hasSize(1);
			assertThat(context.getBean(Recorded.class).reportsOf(scheduledMarker)).hasSize(1);
		});
	}

	@Test
	void lostFailureOfSubmitOnSimpleAsyncTaskExecutorIsReportedOnce() {
		// Spring Boot's application executor with virtual threads: its final methods
		// forbid a proxy, so only the agent sees its futures.
		this.runner.run((context) -> {
			String marker = marker();
			context.getBean(SimpleAsyncTaskExecutor.class).submit(() -> {
				throw new IllegalStateException(marker);
			});
			awaitReported(marker);
			awaitDetectorCaughtUp();
			assertThat(reportsOf(marker)).singleElement()
				.satisfies((report) -> assertThat(report.executor()).isEqualTo("simple"));
			assertThat(context.getBean(Recorded.class).reportsOf(marker)).hasSize(1);
		});
	}

	@Test
	void lostFailureOfAThreadPoolTaskExecutorBeansFutureIsReportedOnce() {
		// The bean is left as it is: the agent sees Spring's FutureTask fail on the
		// bean's pool.
		this.runner.run((context) -> {
			String marker = marker();
			context.getBean("reports", ThreadPoolTaskExecutor.class).submit(() -> {
				throw new IllegalStateException(marker);
			});
			awaitReported(marker);
			awaitDetectorCaughtUp();
			assertThat(reportsOf(marker)).singleElement()
				.satisfies((report) -> assertThat(report.executor()).isEqualTo("reports"));
		});
	}

	@Test
	void lostSupplyAsyncOnExecutorBeansIsReportedUnderTheBeansNames() {
		this.runner.run((context) -> {
			// The JDK creates these futures, so only the agent sees them fail; it names
			// them after the bean whose thread failed them, found by identity.
			String onOrders = marker();
			String onReports = marker();
			String onSimple = marker();
			CompletableFuture.supplyAsync(() -> {
				throw new IllegalStateException(onOrders);
			}, context.getBean("orders", ExecutorService.class));
			CompletableFuture.supplyAsync(() -> {
				throw new IllegalStateException(onReports);
			}, context.getBean("reports", ThreadPoolTaskExecutor.class));
			CompletableFuture.supplyAsync(() -> {
				throw new IllegalStateException(onSimple);
			}, context.getBean("simple", SimpleAsyncTaskExecutor.class));
			assertThat(awaitReported(onOrders).executor()).isEqualTo("orders");
			assertThat(awaitReported(onReports).executor()).isEqualTo("reports");
			assertThat(awaitReported(onSimple).executor()).isEqualTo("simple");
		});
	}

	@Test
	void uncaughtFailureOfAnExecutorBeansTaskIsReportedOnce() {
		this.runner.run((context) -> {
			String marker = marker();
			CountDownLatch thrown = new CountDownLatch(1);
			context.getBean("handling", ExecutorService.class).execute(() -> {
				thrown.countDown();
				throw new IllegalStateException(marker);
			});
			assertThat(thrown.await(30, TimeUnit.SECONDS)).isTrue();
			TaskTracker tracker = context.getBean(TaskTracker.class);
			// The agent reports it, from the worker's call of afterExecute.
			await().atMost(Duration.ofSeconds(30))
				.until(() -> tracker.leaks()
					.stream()
					.anyMatch((group) -> group.kind() == LeakKind.UNCAUGHT
							&& marker.equals(group.latest().exception().getMessage())));
			awaitDetectorCaughtUp();
			assertThat(tracker.leaks())
				.filteredOn((group) -> group.kind() == LeakKind.UNCAUGHT
						&& marker.equals(group.latest().exception().getMessage()))
				.singleElement()
				.satisfies((group) -> {
					assertThat(group.count()).isOne();
					assertThat(group.executor()).isEqualTo("handling");
				});
		});
	}

	@Test
	void taskDroppedByAnExecutorBeanIsStillReported() {
		// The agent reports it, from the discard policy.
		assertDropReportedOnce("discarding");
	}

	@Test
	void executorBeansTheAgentWatchesAreLeftAsTheyAre() {
		this.runner.run((context) -> {
			for (String name : List.of("orders", "handling", "discarding", "discardingOldest", "callerRuns")) {
				assertThat(context.getBean(name)).as(name).isExactlyInstanceOf(ThreadPoolExecutor.class);
			}
			assertThat(context.getBean("reports")).isExactlyInstanceOf(ThreadPoolTaskExecutor.class);
			// The JDK's delegating executors hand every call to the pool behind them.
			for (String name : List.of("single", "singleScheduler")) {
				assertThat(context.getBean(name).getClass().getName()).as(name)
					.startsWith("java.util.concurrent.Executors$");
				assertThat(TaskTracker.isTracked(context.getBean(name))).as(name).isFalse();
			}
			for (String name : List.of("orders", "handling", "discarding", "discardingOldest", "callerRuns", "reports",
					"single", "singleScheduler")) {
				assertThat(AopUtils.isAopProxy(context.getBean(name))).as(name).isFalse();
			}
			// A rejection policy of the application's own may drop a task silently, which
			// only the wrapper's record of the task notices.
			// So may CallerRunsPolicy on a pool whose class answers isShutdown() itself,
			// and DiscardOldestPolicy on one whose class hands out its queue itself.
			for (String name : List.of("ownPolicy", "ownPolicyQueued", "callerRunsOwnShutdown",
					"discardingOldestOwnQueue")) {
				Object bean = context.getBean(name);
				assertThat(AopUtils.isAopProxy(bean) || TaskTracker.isTracked(bean)).as(name).isTrue();
			}
		});
	}

	@Test
	void taskACallerRunsBeanDropsOnceShutDownIsReportedOnce() {
		// CallerRunsPolicy runs a rejected task in the caller, unless the pool is shut
		// down: then it drops it, silently. The agent reports it, from the policy.
		this.runner.run((context) -> {
			ExecutorService callerRuns = context.getBean("callerRuns", ExecutorService.class);
			String caller = Thread.currentThread().getName();
			assertThat(callerRuns.submit(() -> Thread.currentThread().getName()).get(30, TimeUnit.SECONDS))
				.isNotEqualTo(caller);
			callerRuns.shutdown();
			submitDiscarded(callerRuns);
			assertOneDropReported(context.getBean(Recorded.class), "callerRuns");
		});
	}

	@Test
	void taskADiscardOldestBeanDiscardsIsReportedOnce() {
		// DiscardOldestPolicy polls the head of the queue to make room: the agent reports
		// what it polled, from the policy.
		this.runner.run((context) -> {
			ExecutorService discardingOldest = context.getBean("discardingOldest", ExecutorService.class);
			CountDownLatch release = occupy(discardingOldest);
			CountDownLatch newestRan = new CountDownLatch(1);
			try {
				discardingOldest.execute(() -> {
				});
				discardingOldest.execute(newestRan::countDown);
			}
			finally {
				release.countDown();
			}
			assertThat(newestRan.await(30, TimeUnit.SECONDS)).isTrue();
			assertOneDropReported(context.getBean(Recorded.class), "discardingOldest");
		});
	}

	@Test
	void taskLeftQueuedWhenSpringShutsAnExecutorBeanDownIsReportedOnce() {
		// Spring's shutdown of a ThreadPoolTaskExecutor lets go of the plain tasks
		// shutdownNow() hands back: the agent reports them, as the wrapper did.
		this.runner.run((context) -> {
			ThreadPoolTaskExecutor reports = context.getBean("reports", ThreadPoolTaskExecutor.class);
			CountDownLatch release = occupy(reports.getThreadPoolExecutor());
			AtomicBoolean ran = new AtomicBoolean();
			reports.execute(() -> ran.set(true));
			reports.shutdown();
			release.countDown();
			assertOneDropReported(context.getBean(Recorded.class), "reports");
			assertThat(ran).isFalse();
		});
	}

	@Test
	void withTracingExecutorBeansAreLeftAsTheyAreAndTheirReportsCarryTheSubmittingTrace() {
		// The agent remembers, for each future and plain task created in a trace, the
		// trace's ids, as a wrapper's task does. An exception of its own: the groups of
		// other tests' failures stay as they are.
		this.runner.withConfiguration(AutoConfigurations.of(LeakedTasksTracingAutoConfiguration.class))
			.withBean(SimpleTracer.class, SimpleTracer::new)
			.run((context) -> {
				ExecutorService orders = context.getBean("orders", ExecutorService.class);
				ThreadPoolTaskExecutor reports = context.getBean("reports", ThreadPoolTaskExecutor.class);
				ExecutorService discarding = context.getBean("discarding", ExecutorService.class);
				assertThat(orders).isExactlyInstanceOf(ThreadPoolExecutor.class);
				assertThat(reports).isExactlyInstanceOf(ThreadPoolTaskExecutor.class);
				assertThat(discarding).isExactlyInstanceOf(ThreadPoolExecutor.class);
				String lost = marker();
				String lostCompletable = marker();
				String uncaught = marker();
				String outside = marker();
				SimpleTracer tracer = context.getBean(SimpleTracer.class);
				CountDownLatch release = occupy(discarding);
				CountDownLatch thrown = new CountDownLatch(1);
				Span span = tracer.nextSpan().name("POST /orders").start();
				try (Tracer.SpanInScope scope = tracer.withSpan(span)) {
					orders.submit(() -> {
						throw new TracedException(lost);
					});
					reports.submitCompletable(() -> {
						throw new TracedException(lostCompletable);
					});
					context.getBean("handling", ExecutorService.class).execute(() -> {
						thrown.countDown();
						throw new TracedException(uncaught);
					});
					submitDiscarded(discarding);
				}
				finally {
					span.end();
					release.countDown();
				}
				orders.submit(() -> {
					throw new TracedException(outside);
				});
				TraceIds ids = new TraceIds(span.context().traceId(), span.context().spanId());
				assertThat(awaitReported(lost)).satisfies((report) -> {
					assertThat(report.executor()).isEqualTo("orders");
					assertThat(report.traceIds()).isEqualTo(ids);
				});
				assertThat(awaitReported(lostCompletable)).satisfies((report) -> {
					assertThat(report.executor()).isEqualTo("reports");
					assertThat(report.traceIds()).isEqualTo(ids);
				});
				assertThat(awaitReported(outside).traceIds()).isNull();
				assertThat(thrown.await(30, TimeUnit.SECONDS)).isTrue();
				TaskTracker tracker = context.getBean(TaskTracker.class);
				await().atMost(Duration.ofSeconds(30))
					.untilAsserted(() -> assertThat(tracker.leaks())
						.filteredOn((group) -> group.kind() == LeakKind.UNCAUGHT
								&& uncaught.equals(group.latest().exception().getMessage()))
						.singleElement()
						.satisfies((group) -> assertThat(group.latest().traceIds()).isEqualTo(ids)));
				Recorded recorded = context.getBean(Recorded.class);
				await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					System.gc();
					assertThat(recorded.reports)
						.filteredOn((report) -> report.kind() == LeakKind.DROPPED_WHILE_PENDING
								&& report.executor().equals("discarding"))
						.singleElement()
						.satisfies((report) -> assertThat(report.traceIds()).isEqualTo(ids));
				});
			});
	}

	@Test
	void taskDroppedByAnApplicationsOwnPolicyIsReportedOnceByTheWrapper() {
		assertDropReportedOnce("ownPolicy");
	}

	@Test
	void lostFailureAndUncaughtFailureOfAWrappedBeanAreReportedOnce() {
		// Behind the bean's proxy, the JDK's FutureTask runs the wrapper's task, and the
		// worker hands the wrapper's task's exception to afterExecute: the agent sees
		// both and leaves them to the wrapper.
		this.runner.run((context) -> {
			String lost = marker();
			String uncaught = marker();
			ExecutorService ownPolicy = context.getBean("ownPolicyQueued", ExecutorService.class);
			ownPolicy.submit(() -> {
				throw new IllegalStateException(lost);
			});
			CountDownLatch thrown = new CountDownLatch(1);
			ownPolicy.execute(() -> {
				thrown.countDown();
				throw new IllegalStateException(uncaught);
			});
			assertThat(thrown.await(30, TimeUnit.SECONDS)).isTrue();
			awaitReported(lost);
			TaskTracker tracker = context.getBean(TaskTracker.class);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> tracker.leaks()
					.stream()
					.anyMatch((group) -> group.kind() == LeakKind.UNCAUGHT
							&& uncaught.equals(group.latest().exception().getMessage())));
			awaitDetectorCaughtUp();
			assertThat(reportsOf(lost)).singleElement()
				.satisfies((report) -> assertThat(report.executor()).isEqualTo("ownPolicyQueued"));
			assertThat(tracker.leaks())
				.filteredOn((group) -> group.kind() == LeakKind.UNCAUGHT
						&& uncaught.equals(group.latest().exception().getMessage()))
				.singleElement()
				.satisfies((group) -> assertThat(group.count()).isOne());
		});
	}

	@Test
	void completableTaskQueuedWhenSpringShutsAnUnwrappedSchedulerDownIsReportedOnce() {
		// submitCompletable is the JDK's supplyAsync on the scheduler, whose pool wraps
		// the JDK's task (inside Spring's error-handling task) in a future of its own:
		// Spring's shutdown cancels that future, and the caller's stays pending.
		this.runner.withUserConfiguration(QueuingScheduler.class).run((context) -> {
			ThreadPoolTaskScheduler scheduler = context.getBean("queuingScheduler", ThreadPoolTaskScheduler.class);
			assertThat(AopUtils.isAopProxy(scheduler)).isFalse();
			CountDownLatch release = occupy(scheduler.getScheduledExecutor());
			try {
				CompletableFuture<String> queued = scheduler.submitCompletable(new QueuedCallable());
				scheduler.shutdown();
				Recorded recorded = context.getBean(Recorded.class);
				assertOneDropReported(recorded, "queuingScheduler");
				assertThat(recorded.reports).filteredOn((report) -> report.kind() == LeakKind.DROPPED_WHILE_PENDING)
					.singleElement()
					.satisfies((report) -> assertThat(report.task()).isEqualTo(QueuedCallable.class.getName()));
				assertThat(queued).isNotDone();
			}
			finally {
				release.countDown();
			}
		});
	}

	@Test
	void plainTaskQueuedWhenSpringShutsAnUnwrappedSchedulerDownIsReportedOnceAndFuturesItCancelsAreNot() {
		// The scheduler's pool wraps execute's task in a future of its own, as it wraps
		// submit's and schedule's, and Spring's shutdown cancels them all: nobody else
		// holds the first.
		this.runner.withUserConfiguration(QueuingScheduler.class).run((context) -> {
			ThreadPoolTaskScheduler scheduler = context.getBean("queuingScheduler", ThreadPoolTaskScheduler.class);
			assertThat(AopUtils.isAopProxy(scheduler)).isFalse();
			CountDownLatch release = occupy(scheduler.getScheduledExecutor());
			try {
				scheduler.execute(new QueuedRunnable());
				Future<String> submitted = scheduler.submit(new QueuedCallable());
				ScheduledFuture<?> delayed = scheduler.schedule(new QueuedRunnable(),
						Instant.now().plus(Duration.ofHours(1)));
				scheduler.shutdown();
				assertThat(submitted.isCancelled()).isTrue();
				assertThat(delayed.isCancelled()).isTrue();
				Recorded recorded = context.getBean(Recorded.class);
				assertOneDropReported(recorded, "queuingScheduler");
				WeakReference<Object> held = new WeakReference<>(submitted);
				WeakReference<Object> scheduled = new WeakReference<>(delayed);
				submitted = null;
				delayed = null;
				await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					System.gc();
					assertThat(held.get()).isNull();
					assertThat(scheduled.get()).isNull();
				});
				awaitDetectorCaughtUp();
				assertThat(recorded.reports).filteredOn((report) -> "queuingScheduler".equals(report.executor()))
					.singleElement()
					.satisfies((report) -> {
						assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
						assertThat(report.task()).isEqualTo(QueuedRunnable.class.getName());
					});
			}
			finally {
				release.countDown();
			}
		});
	}

	@Test
	void plainTaskQueuedWhenSpringShutsAWrappedSchedulerDownIsReportedOnceByTheWrapper() {
		// The pool's future around Spring's task around the wrapper's: the agent sees
		// Spring's shutdown let go of it and leaves it to the wrapper.
		this.runner.withUserConfiguration(OwnPolicyScheduler.class).run((context) -> {
			ThreadPoolTaskScheduler scheduler = context.getBean("ownPolicyScheduler", ThreadPoolTaskScheduler.class);
			assertThat(AopUtils.isAopProxy(scheduler)).isTrue();
			CountDownLatch release = occupy(scheduler.getScheduledExecutor());
			try {
				int reportedBefore = reportsOfExecutor("ownPolicyScheduler").size();
				scheduler.execute(new QueuedRunnable());
				scheduler.shutdown();
				await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					System.gc();
					assertThat(reportsOfExecutor("ownPolicyScheduler")).hasSizeGreaterThan(reportedBefore);
				});
				awaitDetectorCaughtUp();
				List<LeakReport> reported = reportsOfExecutor("ownPolicyScheduler");
				assertThat(reported.subList(reportedBefore, reported.size())).singleElement().satisfies((report) -> {
					assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
					assertThat(report.task()).isEqualTo(QueuedRunnable.class.getName());
				});
			}
			finally {
				release.countDown();
			}
		});
	}

	@Test
	void uncaughtFailureOfAWrappedSchedulersTaskIsReportedOnce() {
		// Spring's scheduler runs an executed task inside its error-handling task, in the
		// JDK's FutureTask, which fails: the wrapper reports the uncaught failure, and
		// the agent leaves the JDK's future, which nobody holds, to the wrapper.
		this.runner.withUserConfiguration(OwnPolicyScheduler.class).run((context) -> {
			String uncaught = marker();
			ThreadPoolTaskScheduler scheduler = context.getBean("ownPolicyScheduler", ThreadPoolTaskScheduler.class);
			assertThat(AopUtils.isAopProxy(scheduler)).isTrue();
			scheduler.execute(() -> {
				throw new IllegalStateException(uncaught);
			});
			TaskTracker tracker = context.getBean(TaskTracker.class);
			await().atMost(Duration.ofSeconds(30))
				.until(() -> tracker.leaks()
					.stream()
					.anyMatch((group) -> group.kind() == LeakKind.UNCAUGHT && hasMessage(group, uncaught)));
			System.gc();
			awaitDetectorCaughtUp();
			assertThat(reportsOf(uncaught)).isEmpty();
			assertThat(tracker.leaks()).filteredOn((group) -> hasMessage(group, uncaught))
				.singleElement()
				.satisfies((group) -> {
					assertThat(group.kind()).isEqualTo(LeakKind.UNCAUGHT);
					assertThat(group.count()).isOne();
				});
		});
	}

	@Test
	void taskOfAWrappedSchedulerItsPoolHandsBackIsReportedOnce() {
		// The pool holds the wrapper's task inside Spring's error-handling task (a
		// Runnable's or a Callable's; for submitCompletable, around the JDK's task that
		// runs the wrapper's): the wrapper reports its task dropped, and the agent, which
		// sees the pool hand it back, leaves it to the wrapper.
		this.runner.withUserConfiguration(OwnPolicyScheduler.class).run((context) -> {
			ThreadPoolTaskScheduler scheduler = context.getBean("ownPolicyScheduler", ThreadPoolTaskScheduler.class);
			assertThat(AopUtils.isAopProxy(scheduler)).isTrue();
			TaskTracker tracker = context.getBean(TaskTracker.class);
			int liveBefore = tracker.liveTaskCount();
			int reportedBefore = reportsOfExecutor("ownPolicyScheduler").size();
			CountDownLatch running = new CountDownLatch(1);
			CountDownLatch release = new CountDownLatch(1);
			scheduler.submit((Runnable) () -> {
				running.countDown();
				awaitQuietly(release);
			});
			assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
			scheduler.submit(new HandedBackTask());
			scheduler.submit(new HandedBackCallable());
			scheduler.submitCompletable(new HandedBackCompletable());
			scheduler.submitCompletable(new HandedBackCompletableCallable());
			// A control: a task given to the pool itself is the agent's to report.
			scheduler.getScheduledExecutor().submit(new HandedBackPastTheWrapper());
			// What it hands back is ignored.
			assertThat(scheduler.getScheduledExecutor().shutdownNow()).hasSize(5);
			release.countDown();
			List<Class<?>> types = List.of(HandedBackTask.class, HandedBackCallable.class, HandedBackCompletable.class,
					HandedBackCompletableCallable.class, HandedBackPastTheWrapper.class);
			// Until the wrapper's tasks are gone too (the engine is the JVM's: tasks
			// other
			// tests left may be live, and only go): they get their records at a sweep,
			// and the agent would have reported them at the first collection.
			await().atMost(Duration.ofSeconds(30)).pollInterval(Duration.ofMillis(20)).untilAsserted(() -> {
				System.gc();
				assertThat(types).allSatisfy((type) -> assertThat(handedBackReports(type)).isNotEmpty());
				assertThat(tracker.liveTaskCount()).isLessThanOrEqualTo(liveBefore);
			});
			awaitDetectorCaughtUp();
			assertThat(types)
				.allSatisfy((type) -> assertThat(handedBackReports(type)).singleElement().satisfies((report) -> {
					assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
					assertThat(report.executor()).isEqualTo("ownPolicyScheduler");
				}));
			// Nothing else reported, such as the JDK's task around a wrapper's.
			List<LeakReport> reported = reportsOfExecutor("ownPolicyScheduler");
			assertThat(reported.subList(reportedBefore, reported.size())).extracting(LeakReport::task)
				.containsExactlyInAnyOrderElementsOf(types.stream().map(Class::getName).toList());
		});
	}

	private static boolean hasMessage(LeakGroup group, String message) {
		Throwable exception = group.latest().exception();
		return exception != null && message.equals(exception.getMessage());
	}

	private static List<LeakReport> handedBackReports(Class<?> type) {
		return allReports().stream().filter((report) -> report.task().equals(type.getName())).toList();
	}

	static final class HandedBackTask implements Runnable {

		@Override
		public void run() {
		}

	}

	static final class HandedBackCallable implements Callable<String> {

		@Override
		public String call() {
			return "not run";
		}

	}

	static final class HandedBackPastTheWrapper implements Runnable {

		@Override
		public void run() {
		}

	}

	static final class HandedBackCompletable implements Runnable {

		@Override
		public void run() {
		}

	}

	static final class HandedBackCompletableCallable implements Callable<String> {

		@Override
		public String call() {
			return "not run";
		}

	}

	@Test
	void agentLogsAgainOnceTheContextIsClosed() {
		// Exceptions of their own: a failure is logged only when it starts a new group.
		String during = marker();
		this.runner.run((context) -> {
			CompletableFuture.runAsync(() -> {
				throw new DuringContextException(during);
			});
			awaitReported(during);
			assertThat(context.getBean(Recorded.class).reportsOf(during)).hasSize(1);
		});
		assertThat(this.agentLog.mentions(during)).isFalse();
		String after = marker();
		CompletableFuture.runAsync(() -> {
			throw new AfterContextException(after);
		});
		awaitReported(after);
		await().atMost(Duration.ofSeconds(30)).until(() -> this.agentLog.mentions(after));
	}

	@Test
	void failureReportedWhileTheContextStartsReachesItsListenersAndMeters() {
		String marker = marker();
		this.runner.withUserConfiguration(LosesAtStartUp.class)
			.withPropertyValues("test.marker=" + marker)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context.getBean(Recorded.class).reportsOf(marker)).hasSize(1);
				assertThat(unretrieved(context.getBean(MeterRegistry.class), "orders", HeldAtStartUpException.class))
					.isEqualTo(1);
			});
		assertThat(this.agentLog.mentions(marker)).isFalse();
	}

	@Test
	void failureReportedWhileAContextFailsToStartIsLoggedByTheAgent() {
		String marker = marker();
		this.runner.withUserConfiguration(LosesAtStartUp.class)
			.withPropertyValues("test.marker=" + marker, "test.fail=true")
			.run((context) -> assertThat(context).hasFailed());
		await().atMost(Duration.ofSeconds(30)).until(() -> this.agentLog.mentions(marker));
	}

	@Test
	void failureReportedWhileAContextFailsToStartIsHandedToTheContextStillAttached() {
		this.runner.run((older) -> {
			String marker = marker();
			this.runner.withUserConfiguration(LosesAtStartUp.class)
				.withPropertyValues("test.marker=" + marker, "test.fail=true", "test.older=true")
				.run((failed) -> assertThat(failed).hasFailed());
			Recorded recorded = older.getBean(Recorded.class);
			await().atMost(Duration.ofSeconds(30)).until(() -> !recorded.reportsOf(marker).isEmpty());
			awaitDetectorCaughtUp();
			assertThat(recorded.reportsOf(marker)).hasSize(1);
			assertThat(this.agentLog.mentions(marker)).isFalse();
		});
	}

	@Test
	void twoContextsReportEachLeakOnceThroughTheContextStartedLast() {
		this.runner.run((first) -> {
			Recorded firstRecorded = first.getBean(Recorded.class);
			String duringBoth = marker();
			this.runner.run((second) -> {
				supplyAsyncIgnored(duringBoth);
				awaitReported(duringBoth);
				awaitDetectorCaughtUp();
				assertThat(second.getBean(Recorded.class).reportsOf(duringBoth)).hasSize(1);
			});
			assertThat(firstRecorded.reportsOf(duringBoth)).isEmpty();
			String afterSecond = marker();
			supplyAsyncIgnored(afterSecond);
			awaitReported(afterSecond);
			awaitDetectorCaughtUp();
			assertThat(firstRecorded.reportsOf(afterSecond)).hasSize(1);
		});
	}

	@Test
	void propertiesTheAgentsEngineDoesNotApplyAreNamedInAWarning(CapturedOutput output) {
		this.runner.withPropertyValues("leaked-tasks.grace-period=3s")
			.run((context) -> assertThat(context).hasSingleBean(TaskTracker.class));
		assertThat(output).contains("leaked-tasks.grace-period=3s (the agent's: 10s)");
	}

	@Test
	void aDurationGivenAsABareNumberIsNamedAsTheMillisecondsItMeans(CapturedOutput output) {
		this.runner.withPropertyValues("leaked-tasks.grace-period=10")
			.run((context) -> assertThat(context).hasSingleBean(TaskTracker.class));
		assertThat(output).contains("leaked-tasks.grace-period=10ms (the agent's: 10s)");
	}

	@Test
	void anEmptyPropertyIsTheAgentsToChoose(CapturedOutput output) {
		// Spring's default (500) differs from the agent's (400): an empty value means the
		// default, as if the property were not set.
		this.runner.withPropertyValues("leaked-tasks.max-groups=")
			.run((context) -> assertThat(context).hasSingleBean(TaskTracker.class));
		assertThat(output).doesNotContain("properties of the application are not applied");
	}

	@Test
	void libraryPackagesGivenOnlyAsASpringPropertyAreNamedInAWarning(CapturedOutput output) {
		this.runner.withPropertyValues("leaked-tasks.library-packages=com.example.library, org.example")
			.run((context) -> assertThat(context).hasSingleBean(TaskTracker.class));
		assertThat(output).contains("leaked-tasks.library-packages=com.example.library,org.example (the agent's own "
				+ "setting, read only as an agent option or a system property)");
	}

	@Test
	void libraryPackagesGivenAsASystemPropertyAreTheAgentsAndNotNamed(CapturedOutput output) {
		System.setProperty("leaked-tasks.library-packages", "com.example.library, ");
		try {
			this.runner.withPropertyValues("leaked-tasks.library-packages=org.example")
				.run((context) -> assertThat(context).hasSingleBean(TaskTracker.class));
		}
		finally {
			System.clearProperty("leaked-tasks.library-packages");
		}
		assertThat(output).doesNotContain("leaked-tasks.library-packages");
	}

	@Test
	void libraryPackagesThatCannotBeBoundDoNotFailTheStart(CapturedOutput output) {
		this.runner
			.withPropertyValues("leaked-tasks.library-packages[0]=com.example",
					"leaked-tasks.library-packages[2]=org.example")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(TaskTracker.class));
		assertThat(output).doesNotContain("leaked-tasks.library-packages");
	}

	@Test
	void propertiesTheApplicationDidNotSetAreTheAgentsToChoose(CapturedOutput output) {
		// The build starts the agent with max-groups=400, which Spring's default (500)
		// would contradict.
		assertThat(LeakedTasksAgent.tracker().orElseThrow().settings().maxGroups()).isEqualTo(400);
		this.runner.run((context) -> assertThat(context).hasSingleBean(TaskTracker.class));
		assertThat(output).doesNotContain("properties of the application are not applied");
	}

	private static void supplyAsyncIgnored(String marker) {
		CompletableFuture.supplyAsync(() -> {
			throw new IllegalStateException(marker);
		});
	}

	/**
	 * Keep the executor bean's only thread busy, submit a task it drops, and check that
	 * the drop is reported once.
	 */
	private void assertDropReportedOnce(String beanName) {
		this.runner.run((context) -> {
			ExecutorService executor = context.getBean(beanName, ExecutorService.class);
			CountDownLatch release = occupy(executor);
			submitDiscarded(executor);
			try {
				assertOneDropReported(context.getBean(Recorded.class), beanName);
			}
			finally {
				release.countDown();
			}
		});
	}

	/**
	 * Return the count of unretrieved failures of an exception type from an executor.
	 */
	private static double unretrieved(MeterRegistry meters, String executor, Class<?> exceptionType) {
		return meters.get("executor.unretrieved")
			.tag("name", executor)
			.tag("exception", exceptionType.getSimpleName())
			.counter()
			.count();
	}

	/**
	 * Keep the executor's thread busy until the returned latch is counted down.
	 */
	private static CountDownLatch occupy(ExecutorService executor) throws InterruptedException {
		CountDownLatch release = new CountDownLatch(1);
		CountDownLatch started = new CountDownLatch(1);
		executor.execute(() -> {
			started.countDown();
			awaitQuietly(release);
		});
		assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
		return release;
	}

	/**
	 * Wait until a drop from the executor is reported (the task may first need
	 * collecting), then check that it was reported once.
	 */
	private static void assertOneDropReported(Recorded recorded, String executor) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(recorded.reports).anySatisfy((report) -> {
				assertThat(report.kind()).isEqualTo(LeakKind.DROPPED_WHILE_PENDING);
				assertThat(report.executor()).isEqualTo(executor);
			});
		});
		awaitDetectorCaughtUp();
		assertThat(recorded.reports).filteredOn((report) -> report.kind() == LeakKind.DROPPED_WHILE_PENDING).hasSize(1);
	}

	private static void submitDiscarded(ExecutorService discarding) {
		discarding.submit(() -> "never run");
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(60, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	static final class MeteredException extends RuntimeException {

		MeteredException(String message) {
			super(message);
		}

	}

	static final class TracedException extends RuntimeException {

		TracedException(String message) {
			super(message);
		}

	}

	static final class HeldAtStartUpException extends RuntimeException {

		HeldAtStartUpException(String message) {
			super(message);
		}

	}

	static final class HandedToOlderException extends RuntimeException {

		HandedToOlderException(String message) {
			super(message);
		}

	}

	static final class HandedBackException extends RuntimeException {

		HandedBackException(String message) {
			super(message);
		}

	}

	/**
	 * Loses a failure while the context starts, once the engine exists (an executor bean
	 * was post-processed), waits until it is reported, and fails the start-up if asked.
	 */
	@Configuration(proxyBeanMethods = false)
	static class LosesAtStartUp {

		@Bean
		String lostAtStartUp(ExecutorService orders, org.springframework.core.env.Environment environment) {
			String marker = environment.getRequiredProperty("test.marker");
			boolean fail = environment.getProperty("test.fail", Boolean.class, false);
			boolean older = environment.getProperty("test.older", Boolean.class, false);
			CompletableFuture.runAsync(() -> {
				throw older ? new HandedToOlderException(marker)
						: fail ? new HandedBackException(marker) : new HeldAtStartUpException(marker);
			}, orders);
			awaitReported(marker);
			if (fail) {
				throw new IllegalStateException("start-up fails");
			}
			return marker;
		}

	}

	static final class DuringContextException extends RuntimeException {

		DuringContextException(String message) {
			super(message);
		}

	}

	static final class AfterContextException extends RuntimeException {

		AfterContextException(String message) {
			super(message);
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnPolicyScheduler {

		@Bean
		ThreadPoolTaskScheduler ownPolicyScheduler() {
			// A rejection policy of its own keeps the bean wrapped.
			ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
			scheduler.setRejectedExecutionHandler((task, executor) -> {
			});
			return scheduler;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class QueuingScheduler {

		@Bean
		ThreadPoolTaskScheduler queuingScheduler() {
			return new ThreadPoolTaskScheduler();
		}

	}

	static final class QueuedRunnable implements Runnable {

		@Override
		public void run() {
		}

	}

	static final class QueuedCallable implements Callable<String> {

		@Override
		public String call() {
			return "never run";
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class Application {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService orders() {
			return Executors.newFixedThreadPool(2);
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService single() {
			return Executors.newSingleThreadExecutor();
		}

		@Bean(destroyMethod = "shutdownNow")
		ScheduledExecutorService singleScheduler() {
			return Executors.newSingleThreadScheduledExecutor();
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService handling() {
			// Its threads handle what their tasks throw: Awaitility fails a test on any
			// exception that reaches the default handler.
			return Executors.newFixedThreadPool(1, (runnable) -> {
				Thread thread = new Thread(runnable);
				thread.setUncaughtExceptionHandler((failed, ex) -> {
				});
				return thread;
			});
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService discarding() {
			return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new SynchronousQueue<>(),
					new ThreadPoolExecutor.DiscardPolicy());
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService discardingOldest() {
			return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
					new ThreadPoolExecutor.DiscardOldestPolicy());
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService discardingOldestOwnQueue() {
			return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new ArrayBlockingQueue<>(1),
					new ThreadPoolExecutor.DiscardOldestPolicy()) {

				@Override
				public BlockingQueue<Runnable> getQueue() {
					return super.getQueue();
				}

			};
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService callerRuns() {
			return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
					new ThreadPoolExecutor.CallerRunsPolicy());
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService callerRunsOwnShutdown() {
			return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(),
					new ThreadPoolExecutor.CallerRunsPolicy()) {

				@Override
				public boolean isShutdown() {
					return super.isShutdown();
				}

			};
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService ownPolicy() {
			// Drops silently, as DiscardPolicy does, and its threads handle what their
			// tasks throw.
			return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new SynchronousQueue<>(), (runnable) -> {
				Thread thread = new Thread(runnable);
				thread.setUncaughtExceptionHandler((failed, ex) -> {
				});
				return thread;
			}, (task, executor) -> {
			});
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService ownPolicyQueued() {
			return new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>(), (runnable) -> {
				Thread thread = new Thread(runnable);
				thread.setUncaughtExceptionHandler((failed, ex) -> {
				});
				return thread;
			}, (task, executor) -> {
			});
		}

		@Bean
		ThreadPoolTaskExecutor reports() {
			// Its threads are named unlike the bean, which its reports are named after.
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			executor.setThreadNamePrefix("worker-");
			return executor;
		}

		@Bean
		SimpleAsyncTaskExecutor simple() {
			return new SimpleAsyncTaskExecutor("simple-");
		}

		@Bean
		Recorded recorded() {
			return new Recorded();
		}

	}

	static final class Recorded implements LeakListener {

		final List<LeakReport> reports = new CopyOnWriteArrayList<>();

		@Override
		public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
			this.reports.add(report);
		}

		List<LeakReport> reportsOf(String marker) {
			return this.reports.stream()
				.filter((report) -> report.exception() != null && marker.equals(report.exception().getMessage()))
				.toList();
		}

	}

	/**
	 * What the agent logs on its own, through {@link System.Logger} (JUL here).
	 */
	static final class AgentLog extends Handler {

		private final List<LogRecord> records = new CopyOnWriteArrayList<>();

		@Override
		public void publish(LogRecord record) {
			this.records.add(record);
		}

		boolean mentions(String marker) {
			return this.records.stream()
				.anyMatch((record) -> record.getThrown() != null && marker.equals(record.getThrown().getMessage()));
		}

		@Override
		public void flush() {
		}

		@Override
		public void close() {
		}

	}

}
