package io.github.leakedtasks.agent;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import io.github.leakedtasks.agent.bootstrap.WorkerSlot;
import io.github.leakedtasks.tracking.FutureEvents;
import io.github.leakedtasks.tracking.OverdueSource;
import io.github.leakedtasks.tracking.OverdueTask;

/**
 * The {@code ThreadPoolExecutor}s an integration asked to watch for overdue tasks, seen
 * without a wrapper: what each worker runs since when, from the slot its thread writes
 * around each task, and the head of the queue, the task that has waited longest. Only the
 * detector's thread reads them; a worker touches the list of its executor once, at its
 * first task after an executor is watched.
 * <p>
 * A task waiting in a first-in, first-out queue is overdue once it has been at the head
 * for the threshold (it may have waited longer behind others); one of the JDK's scheduled
 * executors, once it has been due for the threshold. Tasks behind the head are not
 * counted.
 *
 * @since 0.1.0
 */
final class WatchedPools implements OverdueSource {

	private final FutureEvents tasks;

	private final FutureEvents completable;

	private final TaskContents contents;

	private final Object lock = new Object();

	private volatile List<Pool> pools = List.of();

	WatchedPools(FutureEvents tasks, FutureEvents completable, TaskContents contents) {
		this.tasks = tasks;
		this.completable = completable;
		this.contents = contents;
	}

	@Override
	public boolean watch(Object executor) {
		if (!(executor instanceof ThreadPoolExecutor) || FutureHooks.queueOf(executor) == null) {
			return false;
		}
		synchronized (this.lock) {
			List<Pool> current = new ArrayList<>();
			for (Pool pool : this.pools) {
				Object watched = pool.executor.get();
				if (watched == executor) {
					return true;
				}
				if (watched != null) {
					current.add(pool);
				}
			}
			current.add(new Pool(executor));
			this.pools = List.copyOf(current);
		}
		FutureHooks.watchedChanged();
		return true;
	}

	/**
	 * Attach a worker's slot to its executor's list if the executor is watched.
	 * @param slot the slot
	 * @return whether the executor is watched
	 */
	boolean attach(WorkerSlot slot) {
		for (Pool pool : this.pools) {
			if (pool.executor.get() == slot.executor()) {
				if (!pool.slots.contains(slot)) {
					pool.slots.add(slot);
				}
				return true;
			}
		}
		return false;
	}

	@Override
	public void collect(long now, long threshold, Found found) {
		for (Pool pool : this.pools) {
			try {
				Object executor = pool.executor.get();
				if (executor != null) {
					pool.slots.removeIf(WorkerSlot::isStopped);
					pool.heard.keySet().removeIf(WorkerSlot::isStopped);
					long latestStart = Long.MIN_VALUE;
					for (WorkerSlot slot : pool.slots) {
						latestStart = Math.max(latestStart, slot.since());
						running(pool, executor, slot, now, threshold, found);
					}
					queued(pool, executor, latestStart, threshold, found);
				}
			}
			catch (RuntimeException ex) {
				// The other pools are still looked at.
			}
		}
	}

	private void running(Pool pool, Object executor, WorkerSlot slot, long now, long threshold, Found found) {
		try {
			Object task = slot.task();
			long since = slot.since();
			// The slot's start is written before its task, and now was read before
			// both: the age is this task's or a later one's, never more.
			// A periodic task, or a scheduled one of a class other than the JDK's, is not
			// listed: the wrappers do not list them either.
			if (task == null || now - since < threshold || this.contents.isPeriodicOrUnknown(task)) {
				return;
			}
			Long heard = pool.heard.get(slot);
			boolean notHeardRunning = heard == null || heard != since;
			// Heard of while it waited at the head: not heard of again now that it runs.
			boolean firstTime = notHeardRunning && (pool.heardHead == null || pool.heardHead.get() != task);
			if (found.overdue(describe(executor, task, OverdueTask.State.RUNNING, now - since, slot.thread()),
					slot.thread(), firstTime) && notHeardRunning) {
				pool.heard.put(slot, since);
			}
		}
		catch (RuntimeException ex) {
			// The other workers are still looked at.
		}
	}

	/**
	 * Look at the head of the queue: overdue once it has stayed there for the threshold
	 * while no worker started a task (a worker that did may have taken it, and the same
	 * task object may be queued again); in a scheduled executor, and once due for that
	 * long too.
	 */
	private void queued(Pool pool, Object executor, long latestStart, long threshold, Found found) {
		Queue<?> queue = FutureHooks.queueOf(executor);
		long seen = System.nanoTime();
		Object head = (queue != null) ? queue.peek() : null;
		boolean scheduled = executor instanceof ScheduledThreadPoolExecutor;
		if (head == null || (scheduled && head.getClass().getClassLoader() != null)
				|| this.contents.isPeriodicOrUnknown(head)) {
			// A periodic task waits by design; a scheduled executor's own task type,
			// whose delay is the application's code, is not looked at.
			pool.head = null;
			return;
		}
		boolean changed = pool.head == null || pool.head.get() != head;
		boolean started = latestStart != Long.MIN_VALUE && latestStart - pool.lastPeek > 0;
		if (changed || started) {
			pool.headSince = seen;
		}
		if (changed) {
			pool.head = new WeakReference<>(head);
			pool.headHeard = false;
		}
		pool.lastPeek = seen;
		long waited = seen - pool.headSince;
		if (scheduled && head instanceof ScheduledFuture<?> task) {
			// Waiting for its time is not overdue.
			waited = Math.min(waited, -task.getDelay(TimeUnit.NANOSECONDS));
		}
		if (waited < threshold) {
			return;
		}
		boolean firstTime = !pool.headHeard;
		if (found.overdue(describe(executor, head, OverdueTask.State.QUEUED, waited, null), null, firstTime)
				&& firstTime) {
			pool.headHeard = true;
			pool.heardHead = new WeakReference<>(head);
		}
	}

	private OverdueTask describe(Object executor, Object task, OverdueTask.State state, long age, Thread runner) {
		Object named = this.contents.userTask(task);
		return (this.contents.isAsyncTask(task) ? this.completable : this.tasks).overdueTask(executor,
				(named != null) ? named : task, this.contents.futureOf(task), state, age, runner);
	}

	/**
	 * A watched executor: its workers' slots, and what the detector saw at the head of
	 * its queue.
	 */
	private static final class Pool {

		final WeakReference<Object> executor;

		final List<WorkerSlot> slots = new CopyOnWriteArrayList<>();

		/** When each slot's overdue task started, once listeners heard of it. */
		final Map<WorkerSlot, Long> heard = new IdentityHashMap<>();

		WeakReference<Object> head;

		long headSince;

		long lastPeek;

		boolean headHeard;

		/** The latest head listeners heard of, not heard of again once it runs. */
		WeakReference<Object> heardHead;

		Pool(Object executor) {
			this.executor = new WeakReference<>(executor);
		}

	}

}
