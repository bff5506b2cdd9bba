package io.github.leakedtasks.agent;

import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.Executor;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;
import java.util.function.BooleanSupplier;

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
		// A steady backlog of one task object, queued again and again: its head is the
		// same object at every sweep, and never waits long.
		ThreadPoolExecutor backlog = (ThreadPoolExecutor) Executors.newFixedThreadPool(1);
		tracker.nameExecutor(backlog, "backlog");
		Runnable shortTask = () -> LockSupport.parkNanos(TimeUnit.MILLISECONDS.toNanos(5));
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
		while (!listed(tracker, 6, 1_500)) {
			for (int i = 0; i < 20; i++) {
				quick.execute(() -> {
				});
				backlog.execute(shortTask);
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
		releaseFirst.countDown();
		await(() -> tracker.overdueTasks()
			.stream()
			.anyMatch((task) -> task.task().endsWith("$Handed") && task.state() == OverdueTask.State.RUNNING
					&& task.age().toMillis() > 1_500),
				"handed over");
		heard.stream()
			.filter((task) -> task.executor().equals("handover"))
			.sorted(Comparator.comparing(OverdueTask::state))
			.forEach((task) -> System.out.println("handover heard " + describe(task)));
		release.countDown();
		await(() -> tracker.overdueTasks().isEmpty(), "cleared");
		for (ThreadPoolExecutor pool : List.of(stuck, scheduler, quick, backlog, unwatched, periodic, handover)) {
			pool.shutdownNow();
		}
	}

	/**
	 * Whether this many tasks are listed, all overdue for longer than this: several
	 * sweeps have run since they were first listed.
	 */
	static boolean listed(TaskTracker tracker, int count, long olderThanMillis) {
		List<OverdueTask> overdue = tracker.overdueTasks();
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

	static final class Waiting implements Runnable {

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
