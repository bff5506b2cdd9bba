package io.github.leakedtasks.agent;

import java.time.Duration;
import java.time.Instant;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;

import io.github.leakedtasks.autoconfigure.LeakedTasksAutoConfiguration;
import io.github.leakedtasks.autoconfigure.LeakedTasksMetricsAutoConfiguration;
import io.github.leakedtasks.tracking.OverdueTask;
import io.github.leakedtasks.tracking.TaskTracker;

import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskScheduler;

/**
 * A Spring application with the starter and the agent, whose executor beans have tasks
 * stuck running, run by {@link StandaloneAgentTests} in a JVM of its own with a short
 * overdue threshold: prints the beans' classes and the overdue tasks the engine lists.
 */
public final class OverdueBeansApplication {

	static final CountDownLatch release = new CountDownLatch(1);

	private OverdueBeansApplication() {
	}

	public static void main(String[] args) {
		new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(MetricsAutoConfiguration.class, LeakedTasksAutoConfiguration.class,
					LeakedTasksMetricsAutoConfiguration.class))
			.withUserConfiguration(Application.class)
			.run((context) -> {
				for (String name : List.of("orders", "reports", "scheduler", "decorated", "single", "backlog", "paused",
						"asyncQueue")) {
					Object bean = context.getBean(name);
					// The JDK's delegating executors' class names differ between
					// versions.
					String type = bean.getClass().getName().startsWith("java.util.concurrent.Executors$") ? "delegating"
							: bean.getClass().getName();
					System.out.println("bean " + name + " " + type + " proxy " + AopUtils.isAopProxy(bean) + " wrapped "
							+ TaskTracker.isTracked(bean));
				}
				context.getBean("orders", ExecutorService.class).submit(new Stuck());
				context.getBean("single", ExecutorService.class).execute(new Stuck());
				context.getBean("reports", ThreadPoolTaskExecutor.class).execute(new Stuck());
				context.getBean("scheduler", ThreadPoolTaskScheduler.class).execute(new Stuck());
				context.getBean(SlowService.class).slowly();
				// A backlog behind a stuck task, and a paused executor (Spring's
				// lifecycle stop) whose worker holds its first task in beforeExecute.
				ThreadPoolTaskExecutor backlog = context.getBean("backlog", ThreadPoolTaskExecutor.class);
				backlog.execute(new Stuck());
				for (int i = 0; i < 3; i++) {
					backlog.execute(new Queued());
				}
				// @Async calls queued among the application's tasks behind a stuck task:
				// the calls are listed after their methods, and the tasks with them too.
				ThreadPoolTaskExecutor asyncQueue = context.getBean("asyncQueue", ThreadPoolTaskExecutor.class);
				asyncQueue.execute(new Stuck());
				asyncQueue.execute(new Queued());
				QueuedService queuedService = context.getBean(QueuedService.class);
				queuedService.later();
				asyncQueue.execute(new Queued());
				queuedService.laterCompletable();
				asyncQueue.execute(new Queued());
				ThreadPoolTaskExecutor paused = context.getBean("paused", ThreadPoolTaskExecutor.class);
				paused.stop();
				for (int i = 0; i < 3; i++) {
					paused.execute(new Queued());
				}
				// Waiting for their time, in Spring's task type or the JDK's: never
				// overdue.
				for (String name : List.of("scheduler", "decorated")) {
					context.getBean(name, ThreadPoolTaskScheduler.class)
						.schedule(new Stuck(), Instant.now().plus(Duration.ofHours(1)));
				}
				TaskTracker tracker = context.getBean(TaskTracker.class);
				long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
				while (!OverdueApplication.listed(tracker, 18, 1_500)) {
					if (System.nanoTime() > deadline) {
						System.out.println("timed out: " + tracker.overdueTasks());
						break;
					}
					LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
				}
				tracker.overdueTasks()
					.stream()
					.sorted(Comparator.comparing(OverdueTask::executor).thenComparing(OverdueTask::task))
					.forEach((task) -> System.out
						.println("listed " + task.executor() + " " + task.state() + " " + task.task()));
				MeterRegistry meters = context.getBean(MeterRegistry.class);
				for (String name : List.of("orders", "reports", "scheduler", "single", "backlog", "paused",
						"asyncQueue")) {
					System.out.println(
							"gauge " + name + " " + meters.get("executor.overdue").tag("name", name).gauge().value());
				}
				paused.start();
				release.countDown();
			});
	}

	static final class Stuck extends OverdueApplication.Blocking {

		Stuck() {
			super(release);
		}

	}

	static final class Queued implements Runnable {

		@Override
		public void run() {
		}

	}

	public static class SlowService {

		@Async("reports")
		public CompletableFuture<String> slowly() {
			new Stuck().run();
			return CompletableFuture.completedFuture("done");
		}

	}

	public static class QueuedService {

		@Async("asyncQueue")
		public void later() {
		}

		@Async("asyncQueue")
		public CompletableFuture<String> laterCompletable() {
			return CompletableFuture.completedFuture("done");
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class Application {

		@Bean
		MeterRegistry meterRegistry() {
			return new SimpleMeterRegistry();
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService orders() {
			return Executors.newFixedThreadPool(1);
		}

		@Bean(destroyMethod = "shutdownNow")
		ExecutorService single() {
			return Executors.newSingleThreadExecutor();
		}

		@Bean
		ThreadPoolTaskExecutor reports() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(2);
			executor.setThreadNamePrefix("worker-");
			return executor;
		}

		@Bean
		ThreadPoolTaskScheduler scheduler() {
			return new ThreadPoolTaskScheduler();
		}

		@Bean
		ThreadPoolTaskScheduler decorated() {
			ThreadPoolTaskScheduler scheduler = new ThreadPoolTaskScheduler();
			scheduler.setTaskDecorator((task) -> task::run);
			return scheduler;
		}

		@Bean
		ThreadPoolTaskExecutor backlog() {
			return oneWorker();
		}

		@Bean
		ThreadPoolTaskExecutor paused() {
			return oneWorker();
		}

		@Bean
		ThreadPoolTaskExecutor asyncQueue() {
			return oneWorker();
		}

		private static ThreadPoolTaskExecutor oneWorker() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setCorePoolSize(1);
			return executor;
		}

		@Bean
		QueuedService queuedService() {
			return new QueuedService();
		}

		@Bean
		SlowService slowService() {
			return new SlowService();
		}

	}

}
