package io.github.leakedtasks.agent;

import java.time.Duration;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;
import java.util.function.Predicate;

import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.OverdueTask;
import io.github.leakedtasks.tracking.TaskTracker;

/**
 * An application whose watched executors have tasks stuck running and waiting behind
 * them, run by {@link StandaloneAgentTests} in a JVM of its own with the agent attached
 * and a short overdue threshold; prints what the engine lists and what its listeners
 * heard.
 */
public final class OverdueApplication {

	private OverdueApplication() {
	}

	public static void main(String[] args) throws Exception {
		TaskTracker tracker = LeakedTasksAgent.tracker().orElseThrow();
		List<OverdueTask> heard = new CopyOnWriteArrayList<>();
		tracker.addListener(new LeakListener() {

			@Override
			public void onOverdue(OverdueTask task) {
				heard.add(task);
			}

		});
		CountDownLatch release = new CountDownLatch(1);
		// Overrides both hooks without calling its super's, as Spring's
		// ThreadPoolTaskExecutor does.
		ThreadPoolExecutor stuck = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>()) {

			@Override
			protected void beforeExecute(Thread thread, Runnable task) {
			}

			@Override
			protected void afterExecute(Runnable task, Throwable failure) {
			}

		};
		tracker.nameExecutor(stuck, "stuck");
		ScheduledThreadPoolExecutor scheduler = new ScheduledThreadPoolExecutor(1);
		tracker.nameExecutor(scheduler, "scheduler");
		ThreadPoolExecutor quick = (ThreadPoolExecutor) Executors.newFixedThreadPool(2);
		tracker.nameExecutor(quick, "quick");
		// A steady flow of one task object, queued again and again: its head is the same
		// object at most sweeps, and never waits long.
		ThreadPoolExecutor backlog = (ThreadPoolExecutor) Executors.newFixedThreadPool(1);
		// A backlog that drains slowly: each task is at the head for a moment only, yet
		// waited long behind the others.
		ThreadPoolExecutor draining = (ThreadPoolExecutor) Executors.newFixedThreadPool(1);
		tracker.nameExecutor(draining, "draining");
		// A steady flow of tasks that throw: each kills its worker, which the pool
		// replaces.
		ThreadPoolExecutor churning = (ThreadPoolExecutor) Executors.newFixedThreadPool(1, (runnable) -> {
			Thread thread = new Thread(runnable);
			thread.setUncaughtExceptionHandler((failed, ex) -> {
			});
			return thread;
		});
		tracker.nameExecutor(churning, "churning");
		AtomicInteger churnsInFlight = new AtomicInteger();
		Runnable throwing = () -> {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
			churnsInFlight.decrementAndGet();
			throw new IllegalStateException("churn");
		};
		// A task its executor's beforeExecute holds, as Spring's executors do while
		// paused: taken from the queue, not yet running.
		CountDownLatch resume = new CountDownLatch(1);
		ThreadPoolExecutor pausing = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>()) {

			@Override
			protected void beforeExecute(Thread thread, Runnable task) {
				try {
					resume.await(60, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}

		};
		tracker.nameExecutor(pausing, "pausing");
		tracker.nameExecutor(backlog, "backlog");
		AtomicInteger shortInFlight = new AtomicInteger();
		Runnable shortTask = () -> {
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
			shortInFlight.decrementAndGet();
		};
		ThreadPoolExecutor unwatched = (ThreadPoolExecutor) Executors.newFixedThreadPool(1);
		tracker.nameExecutor(unwatched, "unwatched");
		// A periodic task that runs long: periodic tasks are never listed.
		ScheduledThreadPoolExecutor periodic = new ScheduledThreadPoolExecutor(1);
		tracker.nameExecutor(periodic, "periodic");
		// A task heard of while it waits, then again overdue once it runs: heard once.
		ThreadPoolExecutor handover = (ThreadPoolExecutor) Executors.newFixedThreadPool(1);
		tracker.nameExecutor(handover, "handover");
		CountDownLatch releaseFirst = new CountDownLatch(1);
		System.out.println("watched stuck " + tracker.watchOverdue(stuck));
		System.out.println("watched scheduler " + tracker.watchOverdue(scheduler));
		System.out.println("watched quick " + tracker.watchOverdue(quick));
		System.out.println("watched backlog " + tracker.watchOverdue(backlog));
		System.out.println("watched a plain executor " + tracker.watchOverdue((Executor) Runnable::run));
		tracker.watchOverdue(periodic);
		tracker.watchOverdue(handover);
		tracker.watchOverdue(draining);
		tracker.watchOverdue(churning);
		tracker.watchOverdue(pausing);
		pausing.execute(new Paused(release));
		// 12 s of tasks: still draining when the others have been listed for long.
		for (int i = 0; i < 120; i++) {
			draining.execute(new Slow());
		}
		periodic.scheduleAtFixedRate(new Blocking(release), 0, 1, TimeUnit.HOURS);
		handover.execute(new Blocking(releaseFirst));
		handover.execute(new Handed(release));
		stuck.submit(new Blocking(release));
		stuck.execute(new Waiting());
		unwatched.execute(new Blocking(release));
		scheduler.execute(new Blocking(release));
		scheduler.schedule(new Waiting(), 0, TimeUnit.MILLISECONDS);
		scheduler.schedule(new Later(), 1, TimeUnit.HOURS);
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		// Quick tasks keep coming on a watched executor; none is overdue.
		// Of the backlog that drains, tasks behind the head too.
		while (!listed(tracker, (task) -> !task.executor().equals("draining"), 7, 1_500)
				|| !listed(tracker, (task) -> task.executor().equals("draining"), 2, 300)) {
			for (int i = 0; i < 20; i++) {
				quick.execute(() -> {
				});
			}
			// 10 ms of work every 20 ms or more, two tasks in flight at most: on a
			// machine too busy to keep up, the flows slow down rather than pile up.
			while (shortInFlight.get() < 2) {
				shortInFlight.incrementAndGet();
				backlog.execute(shortTask);
			}
			while (churnsInFlight.get() < 2) {
				churnsInFlight.incrementAndGet();
				churning.execute(throwing);
			}
			if (System.nanoTime() > deadline) {
				System.out.println("timed out: " + tracker.overdueTasks());
				break;
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
		}
		tracker.overdueTasks()
			.stream()
			.sorted(Comparator.comparing(OverdueTask::executor).thenComparing(OverdueTask::state))
			.forEach((task) -> System.out.println("listed " + describe(task)));
		heard.stream()
			.sorted(Comparator.comparing(OverdueTask::executor).thenComparing(OverdueTask::state))
			.forEach((task) -> System.out.println("heard " + describe(task)));
		System.out.println("count stuck " + tracker.overdueCount("stuck"));
		System.out.println("count unwatched " + tracker.overdueCount("unwatched"));
		long listedDraining = tracker.overdueTasks()
			.stream()
			.filter((task) -> task.executor().equals("draining"))
			.count();
		System.out.println("draining listed " + listedDraining + ", counted at least as many "
				+ (tracker.overdueCount("draining") >= listedDraining) + ", queued " + draining.getQueue().size());
		draining.shutdownNow();
		resume.countDown();
		// A task that takes the place of one removed from the queue, or discarded by
		// DiscardOldestPolicy, is never listed as older than it is.
		ThreadPoolExecutor removing = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS, new LinkedBlockingQueue<>());
		tracker.nameExecutor(removing, "removing");
		tracker.watchOverdue(removing);
		System.out.println("removed " + replacedIsNotOlder(tracker, removing, "removing", (pool, queued, next) -> {
			queued.forEach(pool::remove);
			next.forEach(pool::execute);
		}, release));
		ThreadPoolExecutor discardingOldest = new ThreadPoolExecutor(1, 1, 0, TimeUnit.SECONDS,
				new ArrayBlockingQueue<>(2), new ThreadPoolExecutor.DiscardOldestPolicy());
		tracker.nameExecutor(discardingOldest, "discardingOldest");
		tracker.watchOverdue(discardingOldest);
		System.out.println("discarded oldest " + replacedIsNotOlder(tracker, discardingOldest, "discardingOldest",
				(pool, queued, next) -> next.forEach(pool::execute), release));
		releaseFirst.countDown();
		await(() -> tracker.overdueTasks()
			.stream()
			.anyMatch((task) -> task.task().endsWith("$Handed") && task.state() == OverdueTask.State.RUNNING
					&& task.age().toMillis() > 1_500),
				"handed over");
		await(() -> tracker.overdueTasks()
			.stream()
			.anyMatch((task) -> task.executor().equals("pausing") && task.state() == OverdueTask.State.RUNNING
					&& task.age().toMillis() > 1_500),
				"paused then ran");
		heard.stream()
			.filter((task) -> task.executor().equals("pausing"))
			.forEach((task) -> System.out.println("pausing heard " + describe(task)));
		heard.stream()
			.filter((task) -> task.executor().equals("handover"))
			.sorted(Comparator.comparing(OverdueTask::state))
			.forEach((task) -> System.out.println("handover heard " + describe(task)));
		release.countDown();
		await(() -> tracker.overdueTasks().isEmpty(), "cleared");
		for (ThreadPoolExecutor pool : List.of(stuck, scheduler, quick, backlog, unwatched, periodic, handover,
				removing, discardingOldest, churning, pausing)) {
			pool.shutdownNow();
		}
	}

	/**
	 * Occupy a pool's only worker, queue two tasks until they are listed as overdue, then
	 * have two others take their places in the queue (the counts of arrivals do not
	 * change), and return whether the new head, once listed, was never listed as older
	 * than it is.
	 */
	private static String replacedIsNotOlder(TaskTracker tracker, ThreadPoolExecutor pool, String name,
			Replacement replacement, CountDownLatch release) {
		pool.execute(new Blocking(release));
		List<Runnable> queued = List.of(new Waiting(), new Waiting());
		queued.forEach(pool::execute);
		await(() -> tracker.overdueTasks()
			.stream()
			.anyMatch((task) -> task.executor().equals(name) && task.state() == OverdueTask.State.QUEUED
					&& task.age().toMillis() > 1_500),
				name + " queued");
		List<Runnable> next = List.of(new Replacing(), new Replacing());
		long replaced = System.nanoTime();
		replacement.replace(pool, queued, next);
		long deadline = replaced + TimeUnit.SECONDS.toNanos(30);
		while (System.nanoTime() < deadline) {
			long before = System.nanoTime();
			for (OverdueTask task : tracker.overdueTasks()) {
				if (task.executor().equals(name) && task.state() == OverdueTask.State.QUEUED
						&& task.task().endsWith("$Replacing")) {
					long waited = before - replaced;
					return (task.age().toNanos() <= waited) ? "not older"
							: "older: listed " + task.age() + " after " + Duration.ofNanos(waited);
				}
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
		}
		return "never listed";
	}

	@FunctionalInterface
	private interface Replacement {

		void replace(ThreadPoolExecutor pool, List<Runnable> queued, List<Runnable> next);

	}

	/**
	 * Whether this many tasks are listed, all overdue for longer than this: several
	 * sweeps have run since they were first listed.
	 */
	static boolean listed(TaskTracker tracker, int count, long olderThanMillis) {
		return listed(tracker, (task) -> true, count, olderThanMillis);
	}

	private static boolean listed(TaskTracker tracker, Predicate<OverdueTask> which, int count, long olderThanMillis) {
		List<OverdueTask> overdue = tracker.overdueTasks().stream().filter(which).toList();
		return overdue.size() >= count && overdue.stream().allMatch((task) -> task.age().toMillis() > olderThanMillis);
	}

	private static void await(BooleanSupplier condition, String then) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				System.out.println("timed out before " + then);
				return;
			}
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(20));
		}
		System.out.println(then);
	}

	private static String describe(OverdueTask task) {
		boolean traced = task.creationTrace() != null && task.creationTrace()
			.frames()
			.stream()
			.anyMatch((frame) -> frame.getClassName().equals(OverdueApplication.class.getName())
					&& frame.getMethodName().equals("main"));
		String created = traced ? "traced" : "untraced";
		return task.executor() + " " + task.state() + " " + task.task() + " "
				+ ((task.runningThread() != null) ? "on-thread" : "no-thread") + " " + created;
	}

	static class Blocking implements Runnable {

		private final CountDownLatch release;

		Blocking(CountDownLatch release) {
			this.release = release;
		}

		@Override
		public void run() {
			try {
				this.release.await(60, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
		}

	}

	static final class Handed extends Blocking {

		Handed(CountDownLatch release) {
			super(release);
		}

	}

	static final class Paused extends Blocking {

		Paused(CountDownLatch release) {
			super(release);
		}

	}

	static final class Waiting implements Runnable {

		@Override
		public void run() {
		}

	}

	static final class Slow implements Runnable {

		@Override
		public void run() {
			// A third of the threshold, 300 ms, on a busy machine too.
			LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(100));
		}

	}

	static final class Replacing implements Runnable {

		@Override
		public void run() {
		}

	}

	static final class Later implements Runnable {

		@Override
		public void run() {
		}

	}

}
