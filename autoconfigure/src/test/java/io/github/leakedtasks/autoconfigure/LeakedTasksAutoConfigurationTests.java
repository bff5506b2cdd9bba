package io.github.leakedtasks.autoconfigure;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.actuate.LeakedTasksEndpoint;
import io.github.leakedtasks.jfr.JfrLeakListener;
import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.LoggingLeakListener;
import io.github.leakedtasks.tracking.OverdueTask;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.TrackingSettings;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.binder.jvm.ExecutorServiceMetrics;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.task.TaskExecutionAutoConfiguration;
import org.springframework.boot.context.properties.bind.BindException;
import org.springframework.boot.micrometer.metrics.autoconfigure.task.TaskExecutorMetricsAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.scheduling.concurrent.SimpleAsyncTaskScheduler;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link LeakedTasksAutoConfiguration}.
 */
@ExtendWith(OutputCaptureExtension.class)
class LeakedTasksAutoConfigurationTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
		.withPropertyValues("leaked-tasks.grace-period=200ms");

	@Test
	void defaultsCreateTrackerAndLoggingListener() {
		this.contextRunner.run((context) -> {
			assertThat(context).hasSingleBean(TaskTracker.class);
			assertThat(context).hasSingleBean(LoggingLeakListener.class);
			assertThat(context).hasSingleBean(LeakedTasksBeanPostProcessor.class);
			TaskTracker tracker = context.getBean(TaskTracker.class);
			assertThat(tracker.settings().gracePeriod()).isEqualTo(Duration.ofMillis(200));
			assertThat(tracker.settings().maxGroups()).isEqualTo(500);
			assertThat(tracker.settings().maxSamplesPerSecond()).isEqualTo(100);
		});
	}

	@Test
	void limitOfSampledTracesIsBoundAndValidated() {
		this.contextRunner.withPropertyValues("leaked-tasks.creation-trace.max-samples-per-second=7")
			.run((context) -> assertThat(context.getBean(TaskTracker.class).settings().maxSamplesPerSecond())
				.isEqualTo(AgentMode.attached() ? 100 : 7));
		this.contextRunner.withPropertyValues("leaked-tasks.creation-trace.max-samples-per-second=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure())
				.hasStackTraceContaining("field 'creationTrace.maxSamplesPerSecond': rejected value [0]")
				.hasStackTraceContaining("must be at least 1");
		});
	}

	@Test
	void flightRecorderListenerIsCreatedByDefault() {
		this.contextRunner.run((context) -> assertThat(context).hasSingleBean(JfrLeakListener.class));
	}

	@Test
	void flightRecorderListenerIsNotCreatedWhenDisabledByProperty() {
		this.contextRunner.withPropertyValues("leaked-tasks.jfr.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(JfrLeakListener.class)
				.hasSingleBean(LoggingLeakListener.class));
	}

	@Test
	void disabledByPropertyLeavesEveryBeanUntouched() {
		this.contextRunner.withPropertyValues("leaked-tasks.enabled=false")
			.withUserConfiguration(ExecutorsConfiguration.class)
			.run((context) -> {
				assertThat(context).doesNotHaveBean(TaskTracker.class);
				assertThat(AopUtils.isAopProxy(context.getBean("threadPoolTaskExecutor"))).isFalse();
				assertThat(AopUtils.isAopProxy(context.getBean("threadPoolExecutor"))).isFalse();
			});
	}

	@Test
	void disabledByPropertyAddsNoEndpointNorLog() {
		ApplicationContextRunner runner = this.contextRunner
			.withConfiguration(AutoConfigurations.of(LeakedTasksEndpointAutoConfiguration.class))
			.withPropertyValues("management.endpoints.web.exposure.include=leakedtasks");
		runner.run((context) -> assertThat(context).hasSingleBean(LeakedTasksEndpoint.class)
			.hasSingleBean(LoggingLeakListener.class));
		runner.withPropertyValues("leaked-tasks.enabled=false")
			.run((context) -> assertThat(context).doesNotHaveBean(LeakedTasksEndpoint.class)
				.doesNotHaveBean(LoggingLeakListener.class));
		// A tracker of the application's own: the endpoint, which would need the
		// properties the switched-off auto-configuration binds, is not added either.
		runner.withPropertyValues("leaked-tasks.enabled=false")
			.withUserConfiguration(UserTrackerConfiguration.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(LeakedTasksEndpoint.class)
				.hasSingleBean(TaskTracker.class));
		runner.withUserConfiguration(UserTrackerConfiguration.class)
			.run((context) -> assertThat(context).hasSingleBean(LeakedTasksEndpoint.class));
	}

	/**
	 * {@code @ConditionalOnBooleanProperty} took any value but {@code true} for
	 * {@code false}: a typo switched tracking off without a word.
	 */
	@Test
	void enabledFlagThatIsNoBooleanStopsStartupNamingTheProperty() {
		for (String flag : new String[] { "leaked-tasks.enabled", "leaked-tasks.jfr.enabled" }) {
			this.contextRunner.withPropertyValues(flag + "=maybe").run((context) -> {
				assertThat(context).hasFailed();
				BindException bind = findCause(context.getStartupFailure(), BindException.class);
				assertThat(bind).as(flag).isNotNull();
				assertThat(bind.getName()).hasToString(flag);
				assertThat(bind.getProperty().getValue()).isEqualTo("maybe");
			});
		}
	}

	@Test
	void enabledFlagsAreReadAsTheirPropertiesAreBound() {
		this.contextRunner.withPropertyValues("leaked-tasks.enabled=yes", "leaked-tasks.jfr.enabled=ON")
			.run((context) -> assertThat(context).hasSingleBean(TaskTracker.class)
				.hasSingleBean(JfrLeakListener.class));
		this.contextRunner.withPropertyValues("leaked-tasks.enabled=off")
			.run((context) -> assertThat(context).hasNotFailed().doesNotHaveBean(TaskTracker.class));
		this.contextRunner.withPropertyValues("leaked-tasks.jfr.enabled=FALSE")
			.run((context) -> assertThat(context).hasSingleBean(TaskTracker.class)
				.doesNotHaveBean(JfrLeakListener.class));
	}

	private static <T extends Throwable> T findCause(Throwable failure, Class<T> type) {
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (type.isInstance(cause)) {
				return type.cast(cause);
			}
		}
		return null;
	}

	@Test
	void userDefinedTrackerBacksOff() {
		this.contextRunner.withUserConfiguration(UserTrackerConfiguration.class).run((context) -> {
			assertThat(context).hasSingleBean(TaskTracker.class);
			assertThat(context.getBean(TaskTracker.class)).isSameAs(UserTrackerConfiguration.tracker);
		});
	}

	@Test
	void worksWithoutMicrometerAndActuator() {
		this.contextRunner.withClassLoader(new FilteredClassLoader(MeterRegistry.class, Endpoint.class))
			.withUserConfiguration(ExecutorsConfiguration.class)
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(wrappedOrLeftToTheAgent(context, "threadPoolTaskExecutor")).isTrue();
			});
	}

	@Test
	void eachExecutorKindIsWrappedOnceAndInjectableByItsDeclaredType() {
		this.contextRunner.withUserConfiguration(ExecutorsConfiguration.class).run((context) -> {
			assertThat(context.getBean(ThreadPoolTaskExecutor.class).getCorePoolSize()).isEqualTo(3);
			assertThat(
					context.getBean(ThreadPoolTaskScheduler.class).getScheduledThreadPoolExecutor().getCorePoolSize())
				.isEqualTo(2);
			assertThat(context.getBean("threadPoolExecutor", ExecutorService.class)).isNotNull();
			assertThat(context.getBean("scheduledThreadPoolExecutor", ScheduledExecutorService.class)).isNotNull();
			assertThat(context.getBean("singleThreadExecutor", ExecutorService.class)).isNotNull();
			for (String name : new String[] { "threadPoolTaskExecutor", "threadPoolTaskScheduler" }) {
				Object bean = context.getBean(name);
				if (AgentMode.leftToTheAgent(context, name)) {
					continue;
				}
				assertThat(AopUtils.isAopProxy(bean)).as(name).isTrue();
				assertThat(trackingInterceptors(bean)).as(name).isOne();
			}
			// JDK executors declared as their interface get the engine's own wrapper,
			// with
			// no Spring AOP invocation per task.
			for (String name : new String[] { "threadPoolExecutor", "scheduledThreadPoolExecutor",
					"singleThreadExecutor" }) {
				Object bean = context.getBean(name);
				assertThat(AopUtils.isAopProxy(bean)).as(name).isFalse();
				assertThat(TaskTracker.isTracked(bean) || AgentMode.leftToTheAgent(context, name)).as(name).isTrue();
			}
		});
	}

	@Test
	void executorsThatAProxyWouldChangeAreLeftAsTheyAre() {
		this.contextRunner.withUserConfiguration(ExecutorsConfiguration.class).run((context) -> {
			SimpleAsyncTaskExecutor simple = context.getBean("simpleAsyncTaskExecutor", SimpleAsyncTaskExecutor.class);
			assertThat(AopUtils.isAopProxy(simple)).isFalse();
			assertThat(simple.getConcurrencyLimit()).isEqualTo(7);
			assertThat(AopUtils.isAopProxy(context.getBean(SimpleAsyncTaskScheduler.class))).isFalse();
			ThreadPoolExecutor concrete = context.getBean("concreteThreadPoolExecutor", ThreadPoolExecutor.class);
			assertThat(AopUtils.isAopProxy(concrete)).isFalse();
			assertThat(concrete.getCorePoolSize()).isOne();
			FinalMethodExecutor custom = context.getBean(FinalMethodExecutor.class);
			assertThat(AopUtils.isAopProxy(custom)).isFalse();
			assertThat(custom.delegateName()).isEqualTo("kept");
		});
	}

	@Test
	void lostFailureOfExecutorBeanIsReportedUnderItsBeanName() {
		this.contextRunner.withUserConfiguration(ExecutorsConfiguration.class, RecordingConfiguration.class)
			.run((context) -> {
				loseFailure(context.getBean(ThreadPoolTaskExecutor.class));
				loseFailure(context.getBean("threadPoolExecutor", ExecutorService.class));
				loseCompletableFailure(context.getBean(ThreadPoolTaskExecutor.class));
				RecordingListener listener = context.getBean(RecordingListener.class);
				await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					System.gc();
					assertThat(listener.leaks).extracting(LeakReport::executor)
						.containsExactlyInAnyOrder("threadPoolTaskExecutor", "threadPoolExecutor",
								"threadPoolTaskExecutor");
				});
				assertThat(listener.leaks)
					.allSatisfy((report) -> assertThat(report.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED));
			});
	}

	@Test
	void excludedExecutorIsNotWrapped() {
		this.contextRunner.withUserConfiguration(ExecutorsConfiguration.class)
			.withPropertyValues("leaked-tasks.excluded-executors=threadPoolExecutor")
			.run((context) -> {
				assertThat(AopUtils.isAopProxy(context.getBean("threadPoolExecutor"))).isFalse();
				assertThat(AgentMode.leftToTheAgent(context, "threadPoolExecutor")).isFalse();
				assertThat(wrappedOrLeftToTheAgent(context, "threadPoolTaskExecutor")).isTrue();
			});
	}

	@Test
	void excludedNameThatExcludesNothingIsWarnedOf(CapturedOutput output) {
		this.contextRunner.withUserConfiguration(ExecutorsConfiguration.class)
			.withBean("notAnExecutor", String.class, () -> "text")
			.withPropertyValues("leaked-tasks.excluded-executors=threadPoolExecutor,nosuchbean,notAnExecutor")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(output)
					.contains("leaked-tasks.excluded-executors names 'nosuchbean', which is no bean's "
							+ "name: it excludes nothing")
					.contains("leaked-tasks.excluded-executors names 'notAnExecutor', a bean that is no Executor: "
							+ "it excludes nothing")
					.doesNotContain("names 'threadPoolExecutor'");
			});
	}

	@Test
	void taskASpringExecutorsRejectionPolicyDroppedIsNotListedAsQueued() {
		this.contextRunner.withPropertyValues("leaked-tasks.overdue-threshold=200ms")
			.withBean("discarding", ThreadPoolTaskExecutor.class, () -> {
				ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
				executor.setCorePoolSize(1);
				executor.setMaxPoolSize(1);
				executor.setQueueCapacity(1);
				executor.setRejectedExecutionHandler(new ThreadPoolExecutor.DiscardPolicy());
				return executor;
			})
			.run((context) -> {
				ThreadPoolTaskExecutor executor = context.getBean("discarding", ThreadPoolTaskExecutor.class);
				TaskTracker tracker = context.getBean(TaskTracker.class);
				CountDownLatch running = new CountDownLatch(1);
				CountDownLatch release = new CountDownLatch(1);
				try {
					executor.execute(() -> {
						running.countDown();
						awaitQuietly(release);
					});
					assertThat(running.await(30, TimeUnit.SECONDS)).isTrue();
					executor.execute(() -> {
					});
					executor.execute(() -> {
					});
					assertThat(executor.getThreadPoolExecutor().getQueue()).hasSize(1);
					await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
						List<OverdueTask> overdue = tracker.overdueTasks()
							.stream()
							.filter((task) -> task.executor().equals("discarding"))
							.toList();
						// Old enough that the dropped task, first seen at most one sweep
						// later, would be listed too.
						assertThat(overdue).filteredOn((task) -> task.state() == OverdueTask.State.QUEUED)
							.singleElement()
							.satisfies((task) -> assertThat(task.age()).isGreaterThanOrEqualTo(Duration.ofMillis(400)));
						assertThat(overdue).hasSize(2);
					});
				}
				finally {
					release.countDown();
				}
			});
	}

	private static void awaitQuietly(CountDownLatch latch) {
		try {
			latch.await(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Test
	void taskSchedulerMethodsStillWorkOnWrappedScheduler() {
		this.contextRunner.withUserConfiguration(ExecutorsConfiguration.class).run((context) -> {
			ThreadPoolTaskScheduler scheduler = context.getBean(ThreadPoolTaskScheduler.class);
			CountDownLatch ran = new CountDownLatch(3);
			ScheduledFuture<?> future = scheduler.scheduleAtFixedRate(ran::countDown, Duration.ofMillis(1));
			assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
			future.cancel(false);
		});
	}

	@Test
	void taskDecoratorIsStillAppliedAndRejectionExceptionIsUnchanged() {
		this.contextRunner.withUserConfiguration(DecoratedConfiguration.class).run((context) -> {
			ThreadPoolTaskExecutor executor = context.getBean(ThreadPoolTaskExecutor.class);
			assertThat(executor.submit(DecoratedConfiguration.CONTEXT::get).get(30, TimeUnit.SECONDS))
				.isEqualTo("decorated");
			executor.shutdown();
			assertThatExceptionOfType(org.springframework.core.task.TaskRejectedException.class)
				.isThrownBy(() -> executor.submit(() -> "late"));
		});
	}

	@Test
	void threadNamesAndGracefulShutdownOfWrappedExecutorAreKept() {
		CountDownLatch started = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		java.util.concurrent.atomic.AtomicReference<String> threadName = new java.util.concurrent.atomic.AtomicReference<>();
		java.util.concurrent.atomic.AtomicBoolean finished = new java.util.concurrent.atomic.AtomicBoolean();
		this.contextRunner.withUserConfiguration(GracefulConfiguration.class).run((context) -> {
			ThreadPoolTaskExecutor executor = context.getBean(ThreadPoolTaskExecutor.class);
			assertThat(wrappedOrLeftToTheAgent(context, "gracefulExecutor")).isTrue();
			executor.execute(() -> {
				threadName.set(Thread.currentThread().getName());
				started.countDown();
				try {
					release.await(30, TimeUnit.SECONDS);
					finished.set(true);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			});
			assertThat(started.await(30, TimeUnit.SECONDS)).isTrue();
			ThreadPoolExecutor pool = executor.getThreadPoolExecutor();
			// Released only once the context is closing: a shutdownNow() would have
			// interrupted the task by then.
			new Thread(() -> {
				await().atMost(Duration.ofSeconds(30)).until(pool::isShutdown);
				release.countDown();
			}).start();
		});
		assertThat(threadName.get()).startsWith("graceful-");
		assertThat(finished).as("task completed before the context finished closing").isTrue();
	}

	@Test
	void schedulersOwnExecutorIsReturnedAsItIsAndKeepsRunning() {
		// spring-cloud-sleuth #1485: a wrapper returned a new executor whose finalizer
		// shut the real one down.
		this.contextRunner.withUserConfiguration(ExecutorsConfiguration.class).run((context) -> {
			ThreadPoolTaskScheduler scheduler = context.getBean(ThreadPoolTaskScheduler.class);
			java.util.concurrent.ScheduledThreadPoolExecutor pool = scheduler.getScheduledThreadPoolExecutor();
			assertThat(scheduler.getScheduledThreadPoolExecutor()).isSameAs(pool);
			ThreadPoolTaskScheduler target = AopUtils.isAopProxy(scheduler)
					? (ThreadPoolTaskScheduler) ((org.springframework.aop.framework.Advised) scheduler)
						.getTargetSource()
						.getTarget()
					: scheduler;
			assertThat(pool).isSameAs(target.getScheduledThreadPoolExecutor());
			for (int i = 0; i < 3; i++) {
				System.gc();
			}
			CountDownLatch ran = new CountDownLatch(1);
			scheduler.schedule(ran::countDown, java.time.Instant.now());
			assertThat(ran.await(30, TimeUnit.SECONDS)).isTrue();
			assertThat(pool.isShutdown()).isFalse();
		});
	}

	@Test
	void configurationImplementingAsyncConfigurerWithSchedulerBeanStartsAsWithoutLeakedTasks() {
		// spring-boot #29151: a post-processor that changed the type of AsyncConfigurer
		// beans broke their @Bean
		// methods. The same configuration must start, or fail, exactly as it does without
		// leaked-tasks.
		ApplicationContextRunner without = new ApplicationContextRunner()
			.withUserConfiguration(AsyncConfigurerWithSchedulerConfiguration.class);
		boolean failsWithout = hasFailed(without);
		this.contextRunner.withUserConfiguration(AsyncConfigurerWithSchedulerConfiguration.class)
			.run((context) -> assertThat(context.getStartupFailure() != null).isEqualTo(failsWithout));
	}

	@Test
	void scopedProxyOfAnExecutorIsNotWrappedTwice() {
		this.contextRunner.withUserConfiguration(ScopedExecutorConfiguration.class, RecordingConfiguration.class)
			.run((context) -> {
				ExecutorService scoped = context.getBean("scopedExecutor", ExecutorService.class);
				assertThat(trackingInterceptors(scoped)).isZero();
				loseFailure(scoped);
				RecordingListener listener = context.getBean(RecordingListener.class);
				await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
					System.gc();
					assertThat(listener.leaks).hasSize(1);
				});
				scoped.shutdownNow();
			});
	}

	private static boolean hasFailed(ApplicationContextRunner runner) {
		boolean[] failed = new boolean[1];
		runner.run((context) -> failed[0] = context.getStartupFailure() != null);
		return failed[0];
	}

	@Test
	void springBootExecutorMetersAreStillRegistered() {
		this.contextRunner.withUserConfiguration(ExecutorsConfiguration.class, MeterRegistryConfiguration.class)
			.withConfiguration(AutoConfigurations.of(TaskExecutorMetricsAutoConfiguration.class))
			.run((context) -> {
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.find("executor.completed").tag("name", "threadPoolTaskExecutor").meter())
					.isNotNull();
				assertThat(registry.find("executor.completed").tag("name", "threadPoolTaskScheduler").meter())
					.isNotNull();
			});
	}

	@Test
	void applicationTaskExecutorOfSpringBootIsWrapped() {
		this.contextRunner.withConfiguration(AutoConfigurations.of(TaskExecutionAutoConfiguration.class))
			.run((context) -> {
				Object executor = context.getBean("applicationTaskExecutor");
				assertThat(executor).isInstanceOf(ThreadPoolTaskExecutor.class);
				assertThat(wrappedOrLeftToTheAgent(context, "applicationTaskExecutor")).isTrue();
			});
	}

	@Test
	void usersOwnWrappersStillWorkInsideAndOutside() {
		this.contextRunner.withUserConfiguration(UserWrappersConfiguration.class).run((context) -> {
			ExecutorService monitored = context.getBean("monitored", ExecutorService.class);
			assertThat(monitored.submit(() -> "ok").get(30, TimeUnit.SECONDS)).isEqualTo("ok");
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get("executor").tag("name", "monitored").timer().count()).isOne();
			Object alreadyProxied = context.getBean("alreadyProxied");
			assertThat(trackingInterceptors(alreadyProxied)).isOne();
			assertThat(((ExecutorService) alreadyProxied).submit(() -> "ok").get(30, TimeUnit.SECONDS)).isEqualTo("ok");
		});
	}

	@Test
	void negativeGracePeriodStopsStartupNamingTheProperty() {
		this.contextRunner.withPropertyValues("leaked-tasks.grace-period=-1s").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasMessageContaining("prefix=leaked-tasks")
				.hasStackTraceContaining("field 'gracePeriod': rejected value [PT-1S]")
				.hasStackTraceContaining("must be a positive duration");
		});
	}

	@Test
	void oneStartupNamesEveryValueOutOfRangeAtEveryLevel() {
		// A nested group checked where Boot binds it would hide the others.
		this.contextRunner
			.withPropertyValues("leaked-tasks.grace-period=-1s", "leaked-tasks.creation-trace.max-depth=-3",
					"leaked-tasks.max-groups=0")
			.run((context) -> {
				assertThat(context).hasFailed();
				assertThat(context.getStartupFailure())
					.hasStackTraceContaining("field 'gracePeriod': rejected value [PT-1S]")
					.hasStackTraceContaining("field 'creationTrace.maxDepth': rejected value [-3]")
					.hasStackTraceContaining("field 'maxGroups': rejected value [0]");
			});
	}

	@Test
	void unknownTraceModeStopsStartup() {
		this.contextRunner.withPropertyValues("leaked-tasks.creation-trace.mode=sometimes").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasMessageContaining("leaked-tasks.creation-trace.mode");
		});
	}

	@Test
	void emptyValueOfEveryPropertyIsItsDefault() {
		// An int or boolean property once failed start-up on an empty value ("A null
		// value cannot be assigned to a primitive type"), unlike durations and enums.
		this.contextRunner
			.withPropertyValues("leaked-tasks.enabled=", "leaked-tasks.excluded-executors=",
					"leaked-tasks.grace-period=", "leaked-tasks.max-groups=", "leaked-tasks.log-level=",
					"leaked-tasks.overdue-threshold=", "leaked-tasks.verify-spring-boot-version=",
					"leaked-tasks.creation-trace.mode=", "leaked-tasks.creation-trace.traced-tasks-per-type=",
					"leaked-tasks.creation-trace.sample-rate=", "leaked-tasks.creation-trace.max-samples-per-second=",
					"leaked-tasks.creation-trace.max-depth=", "leaked-tasks.endpoint.show-values=",
					"leaked-tasks.endpoint.roles=", "leaked-tasks.jfr.enabled=", "leaked-tasks.tracing.enabled=")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				LeakedTasksProperties properties = context.getBean(LeakedTasksProperties.class);
				LeakedTasksProperties defaults = new LeakedTasksProperties();
				assertThat(properties).usingRecursiveComparison().isEqualTo(defaults);
				// Not the tracker's: with the Java agent, the engine is the agent's.
				TrackingSettings settings = properties.toSettings();
				assertThat(settings.maxGroups()).isEqualTo(500);
				assertThat(settings.maxTraceDepth()).isEqualTo(64);
				assertThat(settings.gracePeriod()).isEqualTo(Duration.ofSeconds(10));
			});
	}

	@Test
	void durationTooLongForNanosecondsStartsTheTrackerAndMeansNever() {
		// It once failed start-up with "long overflow" and no failure analysis.
		this.contextRunner
			.withPropertyValues("leaked-tasks.grace-period=200000d", "leaked-tasks.overdue-threshold=200000d",
					"leaked-tasks.creation-trace.max-depth=2147483647")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(context).hasSingleBean(TaskTracker.class);
				assertThat(context.getBean(LeakedTasksProperties.class).toSettings().gracePeriod())
					.isEqualTo(Duration.ofDays(200_000));
			});
	}

	@Test
	void emptyNameAmongTheExcludedExecutorsIsNotWarnedOf(CapturedOutput output) {
		this.contextRunner.withUserConfiguration(ExecutorsConfiguration.class)
			.withPropertyValues("leaked-tasks.excluded-executors=threadPoolExecutor,,nosuchbean")
			.run((context) -> {
				assertThat(context).hasNotFailed();
				assertThat(AopUtils.isAopProxy(context.getBean("threadPoolExecutor"))).isFalse();
				assertThat(output).contains("names 'nosuchbean', which is no bean's name")
					.doesNotContain("names '', which");
			});
	}

	@Test
	void zeroGroupCapStopsStartup() {
		this.contextRunner.withPropertyValues("leaked-tasks.max-groups=0").run((context) -> {
			assertThat(context).hasFailed();
			assertThat(context.getStartupFailure()).hasMessageContaining("prefix=leaked-tasks")
				.hasStackTraceContaining("field 'maxGroups': rejected value [0]")
				.hasStackTraceContaining("must be at least 1");
		});
	}

	/**
	 * Whether an executor bean is tracked: wrapped, or, with the Java agent, left as it
	 * is for the agent to track.
	 */
	private static boolean wrappedOrLeftToTheAgent(ApplicationContext context, String beanName) {
		return AopUtils.isAopProxy(context.getBean(beanName)) || AgentMode.leftToTheAgent(context, beanName);
	}

	static long trackingInterceptors(Object bean) {
		return java.util.Arrays.stream(((org.springframework.aop.framework.Advised) bean).getAdvisors())
			.filter((advisor) -> advisor.getAdvice() instanceof ExecutorTrackingInterceptor)
			.count();
	}

	private static void loseFailure(ExecutorService executor) {
		Future<Object> future = executor.submit(() -> {
			throw new IllegalStateException("lost");
		});
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	private static void loseFailure(ThreadPoolTaskExecutor executor) {
		Future<Object> future = executor.submit(() -> {
			throw new IllegalStateException("lost");
		});
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	private static void loseCompletableFailure(ThreadPoolTaskExecutor executor) {
		CompletableFuture<Object> future = executor.submitCompletable(() -> {
			throw new IllegalStateException("lost");
		});
		await().atMost(Duration.ofSeconds(30)).until(future::isDone);
	}

	@Configuration(proxyBeanMethods = false)
	static class ExecutorsConfiguration {

		@Bean
		ThreadPoolTaskExecutor threadPoolTaskExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(3);
			return executor;
		}

		@Bean
		ThreadPoolTaskScheduler threadPoolTaskScheduler() {
			ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
			scheduler.setPoolSize(2);
			return scheduler;
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService threadPoolExecutor() {
			return Executors.newFixedThreadPool(2);
		}

		@Bean(destroyMethod = "shutdownNow")
		ScheduledExecutorService scheduledThreadPoolExecutor() {
			return new ScheduledThreadPoolExecutor(1);
		}

		@Bean(destroyMethod = "shutdownNow")
		ThreadPoolExecutor concreteThreadPoolExecutor() {
			return (ThreadPoolExecutor) Executors.newFixedThreadPool(1);
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService singleThreadExecutor() {
			return Executors.newSingleThreadExecutor();
		}

		@Bean
		SimpleAsyncTaskExecutor simpleAsyncTaskExecutor() {
			SimpleAsyncTaskExecutor executor = new SimpleAsyncTaskExecutor();
			executor.setConcurrencyLimit(7);
			return executor;
		}

		@Bean
		SimpleAsyncTaskScheduler simpleAsyncTaskScheduler() {
			return new SimpleAsyncTaskScheduler();
		}

		@Bean
		FinalMethodExecutor finalMethodExecutor() {
			return new FinalMethodExecutor("kept");
		}

	}

	/**
	 * An executor with a final method, as Jetty's QueuedThreadPool has
	 * (spring-cloud-sleuth #1569).
	 */
	public static class FinalMethodExecutor implements java.util.concurrent.Executor {

		private final String name;

		public FinalMethodExecutor(String name) {
			this.name = name;
		}

		public final String delegateName() {
			return this.name;
		}

		@Override
		public void execute(Runnable command) {
			command.run();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserTrackerConfiguration {

		static final TaskTracker tracker = TaskTracker.create();

		@Bean
		TaskTracker userTracker() {
			return tracker;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class RecordingConfiguration {

		@Bean
		RecordingListener recordingListener() {
			return new RecordingListener();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class MeterRegistryConfiguration {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

	}

	@Configuration
	static class AsyncConfigurerWithSchedulerConfiguration
			implements org.springframework.scheduling.annotation.AsyncConfigurer {

		@Bean
		ThreadPoolTaskScheduler taskScheduler() {
			return new ThreadPoolTaskScheduler();
		}

		@Override
		public java.util.concurrent.Executor getAsyncExecutor() {
			return taskScheduler();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class ScopedExecutorConfiguration {

		@Bean
		static org.springframework.beans.factory.config.CustomScopeConfigurer threadScope() {
			org.springframework.beans.factory.config.CustomScopeConfigurer configurer = new org.springframework.beans.factory.config.CustomScopeConfigurer();
			configurer.addScope("thread", new org.springframework.context.support.SimpleThreadScope());
			return configurer;
		}

		@Bean
		@org.springframework.context.annotation.Scope(value = "thread",
				proxyMode = org.springframework.context.annotation.ScopedProxyMode.INTERFACES)
		ExecutorService scopedExecutor() {
			return Executors.newSingleThreadExecutor();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class GracefulConfiguration {

		@Bean
		ThreadPoolTaskExecutor gracefulExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setThreadNamePrefix("graceful-");
			executor.setWaitForTasksToCompleteOnShutdown(true);
			executor.setAwaitTerminationSeconds(30);
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class DecoratedConfiguration {

		static final ThreadLocal<String> CONTEXT = new ThreadLocal<>();

		@Bean
		ThreadPoolTaskExecutor decoratedExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setTaskDecorator((runnable) -> () -> {
				CONTEXT.set("decorated");
				try {
					runnable.run();
				}
				finally {
					CONTEXT.remove();
				}
			});
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class UserWrappersConfiguration {

		@Bean
		SimpleMeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService monitored(MeterRegistry registry) {
			return ExecutorServiceMetrics.monitor(registry, Executors.newFixedThreadPool(1), "monitored");
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService alreadyProxied() {
			return (ExecutorService) new ProxyFactory(Executors.newFixedThreadPool(1)).getProxy();
		}

	}

	static class RecordingListener implements LeakListener {

		final java.util.List<LeakReport> leaks = new java.util.concurrent.CopyOnWriteArrayList<>();

		@Override
		public void onLeak(LeakReport report, io.github.leakedtasks.tracking.LeakGroup group, boolean newGroup) {
			this.leaks.add(report);
		}

	}

}
