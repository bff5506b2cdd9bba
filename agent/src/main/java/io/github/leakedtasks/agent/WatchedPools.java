package io.github.leakedtasks.agent;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.FutureTask;
import java.util.concurrent.ScheduledFuture;
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
			Object executor = pool.executor.get();
			if (executor != null) {
				pool.slots.removeIf(WorkerSlot::isStopped);
				pool.reported.keySet().removeIf(WorkerSlot::isStopped);
				for (WorkerSlot slot : pool.slots) {
					running(pool, executor, slot, now, threshold, found);
				}
				queued(pool, executor, now, threshold, found);
			}
		}
	}

	private void running(Pool pool, Object executor, WorkerSlot slot, long now, long threshold, Found found) {
		Object task = slot.task();
		long since = slot.since();
		// The slot's start is written before its task: read after it, it is this task's
		// start or a later one's, never an earlier one's.
		if (task == null || now - since < threshold) {
			return;
		}
		Long reported = pool.reported.put(slot, since);
		found.overdue(describe(executor, task, OverdueTask.State.RUNNING, now - since, slot.thread()), slot.thread(),
				reported == null || reported != since);
	}

	private void queued(Pool pool, Object executor, long now, long threshold, Found found) {
		Queue<?> queue = FutureHooks.queueOf(executor);
		Object head = (queue != null) ? queue.peek() : null;
		if (head == null) {
			pool.head = null;
			return;
		}
		boolean firstTime = false;
		if (pool.head == null || pool.head.get() != head) {
			pool.head = new WeakReference<>(head);
			pool.headSince = now;
			pool.headReported = false;
		}
		long waited;
		if (head instanceof ScheduledFuture<?> scheduled && head.getClass().getClassLoader() == null) {
			// Waiting in a scheduled executor's queue is overdue only once it is due.
			waited = -scheduled.getDelay(TimeUnit.NANOSECONDS);
		}
		else {
			waited = now - pool.headSince;
		}
		if (waited < threshold) {
			return;
		}
		if (!pool.headReported) {
			pool.headReported = true;
			firstTime = true;
		}
		found.overdue(describe(executor, head, OverdueTask.State.QUEUED, waited, null), null, firstTime);
	}

	private OverdueTask describe(Object executor, Object task, OverdueTask.State state, long age, Thread runner) {
		boolean futureTask = task instanceof FutureTask<?>;
		boolean async = !futureTask && this.contents.isAsyncTask(task);
		Object named = (futureTask || async) ? this.contents.userTask(task) : task;
		Object future = futureTask ? task : async ? this.contents.future(task) : null;
		return (async ? this.completable : this.tasks).overdueTask(executor, (named != null) ? named : task, future,
				state, age, runner);
	}

	/**
	 * A watched executor: its workers' slots, and what the detector saw at the head of
	 * its queue.
	 */
	private static final class Pool {

		final WeakReference<Object> executor;

		final List<WorkerSlot> slots = new CopyOnWriteArrayList<>();

		/** When each slot's overdue task started, once reported. */
		final Map<WorkerSlot, Long> reported = new IdentityHashMap<>();

		WeakReference<Object> head;

		long headSince;

		boolean headReported;

		Pool(Object executor) {
			this.executor = new WeakReference<>(executor);
		}

	}

}
