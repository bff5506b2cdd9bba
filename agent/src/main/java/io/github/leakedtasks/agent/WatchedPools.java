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
 * without a wrapper: what each worker runs, from the slot its thread writes around each
 * task, timed from the first sweep that saw the run (up to one sweep short, as a
 * wrapper's task without a creation trace), and the head of the queue, the task that has
 * waited longest. Only the detector's thread reads them; a worker touches the list of its
 * executor once, at its first task after an executor is watched. It only looks: the
 * engine's detector decides which tasks are overdue and which the listeners heard of.
 * <p>
 * A task waiting in a first-in, first-out queue is counted from when it was first seen at
 * the head (it may have waited longer behind others); in one of the JDK's scheduled
 * executors, from when it became due. Tasks behind the head are not seen.
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
	public void collect(Observer observer) {
		for (Pool pool : this.pools) {
			try {
				Object executor = pool.executor.get();
				if (executor != null) {
					pool.slots.removeIf(WorkerSlot::isStopped);
					pool.runs.keySet().removeIf(WorkerSlot::isStopped);
					boolean started = false;
					for (WorkerSlot slot : pool.slots) {
						started |= running(pool, executor, slot, observer);
					}
					queued(pool, executor, started, observer);
				}
			}
			catch (RuntimeException ex) {
				// The other pools are still looked at.
			}
		}
	}

	/**
	 * Look at what a worker runs, timed from the first sweep that saw its run's count.
	 * @return whether the worker started a task since the previous sweep
	 */
	private boolean running(Pool pool, Object executor, WorkerSlot slot, Observer observer) {
		try {
			// The count is written before the task: read after it, it is this task's run
			// or a later one's. The clock is read after both, so a run is never older
			// than it is.
			Object task = slot.task();
			int runs = slot.runs();
			long[] seen = pool.runs.get(slot);
			boolean started = seen == null || seen[0] != runs;
			if (started) {
				seen = new long[] { runs, System.nanoTime() };
				pool.runs.put(slot, seen);
			}
			// A periodic task, or a scheduled one of a class other than the JDK's, is not
			// listed: the wrappers do not list them either.
			if (task != null && !this.contents.isPeriodicOrUnknown(task)) {
				observer.running(executor, slot, task, seen[1], slot.thread());
			}
			return started;
		}
		catch (RuntimeException ex) {
			// The other workers are still looked at.
			return false;
		}
	}

	/**
	 * Look at the head of the queue: it has waited since it was first seen there while no
	 * worker started a task (a worker that did may have taken it, and the same task
	 * object may be queued again); in a scheduled executor, since it has been due.
	 */
	private void queued(Pool pool, Object executor, boolean started, Observer observer) {
		Queue<?> queue = FutureHooks.queueOf(executor);
		long seen = System.nanoTime();
		Object head = (queue != null) ? queue.peek() : null;
		boolean scheduled = executor instanceof ScheduledThreadPoolExecutor;
		if (head == null || (scheduled && head.getClass().getClassLoader() != null)
				|| this.contents.isPeriodicOrUnknown(head)) {
			// A periodic task waits by design; a scheduled executor's own task type,
			// whose delay is the application's code, is not looked at.
			pool.head = null;
			observer.queued(executor, null, 0);
			return;
		}
		boolean changed = pool.head == null || pool.head.get() != head;
		if (changed || started) {
			pool.headSince = seen;
		}
		if (changed) {
			pool.head = new WeakReference<>(head);
		}
		long waited = seen - pool.headSince;
		if (scheduled && head instanceof ScheduledFuture<?> task) {
			// Waiting for its time is not waiting.
			waited = Math.min(waited, -task.getDelay(TimeUnit.NANOSECONDS));
		}
		observer.queued(executor, head, waited);
	}

	@Override
	public OverdueTask describe(Object executor, Object task, OverdueTask.State state, long age, Thread runner) {
		Object named = this.contents.userTask(task);
		return (this.contents.isAsyncTask(task) ? this.completable : this.tasks).overdueTask(executor,
				(named != null) ? named : task, this.contents.futureOf(task), state, age, runner);
	}

	/**
	 * A watched executor: its workers' slots, and what was last seen at the head of its
	 * queue.
	 */
	private static final class Pool {

		final WeakReference<Object> executor;

		final List<WorkerSlot> slots = new CopyOnWriteArrayList<>();

		WeakReference<Object> head;

		long headSince;

		/**
		 * Each worker's count of runs when last seen, and when the detector first saw
		 * that count.
		 */
		final Map<WorkerSlot, long[]> runs = new IdentityHashMap<>();

		Pool(Object executor) {
			this.executor = new WeakReference<>(executor);
		}

	}

}
