package io.github.leakedtasks.agent;

import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.IdentityHashMap;
import java.util.Iterator;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.Queue;
import java.util.concurrent.ArrayBlockingQueue;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.LinkedBlockingQueue;
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
 * task, timed from the first sweep that saw its task (up to one sweep short, as a
 * wrapper's task without a creation trace), and the head of the queue, the task that has
 * waited longest. Only the detector's thread reads them; a worker touches the list of its
 * executor once, at its first task after an executor is watched, and a thread that edits
 * a queue other than through its workers counts the edit. It only looks: the engine's
 * detector decides which tasks are overdue and which the listeners heard of.
 * <p>
 * The task at the head of the queue is counted from when it was first seen there while no
 * worker started a task (it may have waited longer behind others); in a
 * {@code LinkedBlockingQueue} or {@code ArrayBlockingQueue}, with one of the JDK's
 * rejection policies, from the first sweep whose count of arrivals reached it if that is
 * longer; in one of the JDK's scheduled executors, from when it became due. In those
 * first-in, first-out queues, the tasks behind the head that the counts show overdue are
 * counted, and the oldest of them read from the queue to be listed.
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
		Queue<?> queue = FutureHooks.queueOf(executor);
		if (queue == null) {
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
			Pool added = new Pool(executor, queue);
			current.add(added);
			this.pools = List.copyOf(current);
			FutureHooks.watchedChanged();
			// Workers count their runs from their next task on: the counts of arrivals
			// start once they do.
			added.counting = true;
		}
		return true;
	}

	/**
	 * Attach a worker's slot to its executor's list if the executor is watched.
	 * @param slot the slot
	 * @return whether the executor is watched
	 */
	boolean attach(WorkerSlot slot) {
		Pool pool = find(slot.executor());
		if (pool == null) {
			return false;
		}
		if (!pool.slots.contains(slot)) {
			pool.slots.add(slot);
		}
		return true;
	}

	private Pool find(Object executor) {
		for (Pool pool : this.pools) {
			if (pool.executor.get() == executor) {
				return pool;
			}
		}
		return null;
	}

	/**
	 * Note that tasks may leave an executor's queue without a worker starting them: its
	 * counts of arrivals are not used while that goes on, and start again after.
	 * @param executor the executor
	 * @param done whether the edit is over
	 */
	void edited(Object executor, boolean done) {
		Pool pool = find(executor);
		// Only a first-in, first-out queue's arrivals are counted.
		if (pool == null || !pool.fifo) {
			return;
		}
		pool.arrivals.edited(done);
	}

	@Override
	public void collect(Observer observer) {
		for (Pool pool : this.pools) {
			try {
				Object executor = pool.executor.get();
				if (executor != null) {
					// Read before the runs and the queue: a worker that took a task
					// before
					// it knew its pool was watched, and never counts it, took it before
					// counting started.
					boolean counting = pool.counting;
					boolean started = false;
					for (WorkerSlot slot : pool.slots) {
						started |= running(pool, executor, slot, observer);
					}
					forgetStopped(pool);
					queued(pool, executor, counting, started, observer);
				}
			}
			catch (RuntimeException ex) {
				// The other pools are still looked at.
			}
		}
	}

	/**
	 * Forget the workers that stopped, counting the runs they started since they were
	 * read: a stopped worker's count is final.
	 */
	private void forgetStopped(Pool pool) {
		List<WorkerSlot> stopped = new ArrayList<>();
		for (WorkerSlot slot : pool.slots) {
			if (slot.isStopped()) {
				long[] seen = pool.runs.remove(slot);
				pool.started += newRuns(seen, slot.runs());
				stopped.add(slot);
			}
		}
		pool.slots.removeAll(stopped);
	}

	/**
	 * Look at what a worker runs, or holds in the executor's {@code beforeExecute}, timed
	 * from the first sweep that saw it in that phase, and add the runs it started since
	 * the previous sweep to the pool's count.
	 * @return whether it started any, or is seen for the first time
	 */
	private boolean running(Pool pool, Object executor, WorkerSlot slot, Observer observer) {
		// The count is written before the task, and the task cleared before the next
		// count: read before and after the task, an unchanged count says the task is
		// that run's, and it runs if the run started, written after the task, is that
		// count. The clock is read after, so a phase is never older than it is.
		int runs = slot.runs();
		Object task = slot.task();
		boolean runsTask = slot.started() == runs;
		boolean steady = slot.runs() == runs;
		long[] seen = pool.runs.get(slot);
		int newRuns = newRuns(seen, runs);
		boolean started = seen == null || newRuns != 0;
		if (started) {
			pool.started += newRuns;
			seen = new long[] { runs, NOT_RUNNING, TAKEN };
			pool.runs.put(slot, seen);
		}
		if (!steady || task == null) {
			return started;
		}
		long phase = runsTask ? RUNNING : TAKEN;
		if (seen[1] == NOT_RUNNING || seen[2] != phase) {
			seen[1] = System.nanoTime();
			seen[2] = phase;
		}
		try {
			// A periodic task, or a scheduled one of a class other than the JDK's, is not
			// listed: the wrappers do not list them either.
			if (this.contents.isPeriodicOrUnknown(task)) {
				return started;
			}
			if (runsTask) {
				observer.running(executor, slot, task, seen[1], slot.thread());
			}
			else {
				observer.taken(executor, slot, task, seen[1]);
			}
		}
		catch (RuntimeException ex) {
			// The other workers are still looked at.
		}
		return started;
	}

	/**
	 * Return the runs the workers started since they were read in this sweep.
	 */
	private static long startedSinceRead(Pool pool) {
		long started = 0;
		for (WorkerSlot slot : pool.slots) {
			started += newRuns(pool.runs.get(slot), slot.runs());
		}
		return started;
	}

	/**
	 * Return the runs a worker started since its count was last noted, all of them if it
	 * was not.
	 */
	private static int newRuns(long[] seen, int runs) {
		return runs - ((seen != null) ? (int) seen[0] : 0);
	}

	/**
	 * Look at the head of the queue: it has waited since it was first seen there while no
	 * worker started a task (a worker that did may have taken it, and the same task
	 * object may be queued again); in a scheduled executor, since it has been due. In a
	 * first-in, first-out queue, also since the first sweep whose count of arrivals
	 * reached it (see {@link Pool#arrivals}), the longer of the two.
	 */
	private void queued(Pool pool, Object executor, boolean counting, boolean started, Observer observer) {
		Queue<?> queue = FutureHooks.queueOf(executor);
		long seen = System.nanoTime();
		Object head = (queue != null) ? queue.peek() : null;
		boolean scheduled = executor instanceof ScheduledThreadPoolExecutor;
		if (head == null || (scheduled && head.getClass().getClassLoader() != null)
				|| this.contents.isPeriodicOrUnknown(head)) {
			// A periodic task waits by design; a scheduled executor's own task type,
			// whose delay is the application's code, is not looked at.
			pool.head = null;
			pool.arrivals.forget();
			observer.queued(executor, null, 0);
			return;
		}
		// Read after the head and before the runs: a worker that took a task before the
		// head was read and is no longer among the pool's had counted that task's run.
		int workers = pool.fifo ? uncountedAtMost(pool, executor) : -1;
		long startedSince = startedSinceRead(pool);
		// A worker that started a task since the slots were read may have taken the
		// head, and the same object may be queued again.
		boolean changed = pool.head == null || pool.head.get() != head;
		if (changed || started || startedSince != 0) {
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
		else if (pool.fifo) {
			waited = Math.max(waited,
					arrived(pool, (ThreadPoolExecutor) executor, queue, counting, workers, startedSince));
		}
		observer.queued(executor, head, waited);
		if (pool.fifo && !pool.arrivals.isEmpty()) {
			behind(pool, executor, queue, head, observer);
		}
	}

	/**
	 * Tell the observer which tasks behind the head of a first-in, first-out queue are
	 * known to be overdue, from the counts of arrivals: how many, and the oldest of them,
	 * read from the queue only as far as the detector lists them.
	 */
	private void behind(Pool pool, Object executor, Queue<?> queue, Object head, Observer observer) {
		// Read before the tasks: every task known to have arrived by a count noted at
		// least the threshold before then has waited for it.
		long now = System.nanoTime();
		long threshold = observer.thresholdNanos();
		long reached = pool.arrivals.reachedBefore(now, threshold);
		if (reached < 0) {
			return;
		}
		// The task at a place in the queue, read before the workers and the runs, is at
		// most as far down the arrivals as the runs counted since, one per worker that
		// may have taken a task without counting it, plus its place; the head is told
		// apart and may be the first.
		int size = queue.size();
		long first = firstArrival(pool, executor);
		int overdue = (int) Math.max(0, Math.min(size, reached - first + 1) - 1);
		if (overdue == 0) {
			return;
		}
		List<Object> oldest = new ArrayList<>();
		Iterator<?> tasks = queue.iterator();
		for (int i = 0; i <= Math.min(overdue, observer.listedAtMost()) && tasks.hasNext(); i++) {
			oldest.add(tasks.next());
		}
		first = firstArrival(pool, executor);
		// Counted as the tasks are listed, with the places as read after them.
		overdue = (int) Math.max(0, Math.min(size, reached - first + 1) - 1);
		// Read after the tasks, in the order an edit writes them in reverse: tasks that
		// left the queue some other way while they were read would shift the places.
		if (pool.arrivals.editedSinceNoted() || FutureHooks.isShutDown(executor)) {
			return;
		}
		List<Object> listed = new ArrayList<>();
		long[] waited = new long[oldest.size()];
		for (int i = 0; i < oldest.size(); i++) {
			Object task = oldest.get(i);
			if (task == head) {
				continue;
			}
			long arrivedBy = pool.arrivals.arrivedBy(first + i);
			if (arrivedBy == Long.MIN_VALUE || now - arrivedBy < threshold) {
				// Those after it arrived no earlier.
				break;
			}
			if (!this.contents.isPeriodicOrUnknown(task)) {
				waited[listed.size()] = now - arrivedBy;
				listed.add(task);
			}
		}
		observer.queuedBehind(executor, Math.max(overdue, listed.size()), listed, Arrays.copyOf(waited, listed.size()));
	}

	/**
	 * Return how far down the arrivals the first task of the queue is at most, when read
	 * before this: one past the runs counted, plus one per worker that may have taken a
	 * task without counting it yet.
	 */
	private static long firstArrival(Pool pool, Object executor) {
		int workers = uncountedAtMost(pool, executor);
		if (workers < 0) {
			// No task is known to be that far.
			return Long.MAX_VALUE / 2;
		}
		return pool.started + startedSinceRead(pool) + workers + 1;
	}

	/**
	 * Return how many workers may have taken a task from the queue without counting it
	 * yet, when read before this: the pool's workers, less those seen in the same run
	 * since before then, which take no task during it. Read before the runs: a worker no
	 * longer among the pool's had counted what it took.
	 * @return the count, or {@code -1} if the pool's workers cannot be read
	 */
	private static int uncountedAtMost(Pool pool, Object executor) {
		int workers = FutureHooks.workerCount(executor);
		if (workers <= 0) {
			return workers;
		}
		int inOneRun = 0;
		for (WorkerSlot slot : pool.slots) {
			long[] seen = pool.runs.get(slot);
			// Seen with its task at a sweep before this read, and still in the same run
			// with its task after it: the task is cleared before the worker takes the
			// next, and the count written before the task.
			if (seen != null && seen[1] != NOT_RUNNING) {
				int runs = slot.runs();
				if (slot.task() != null && slot.runs() == runs && runs == (int) seen[0]) {
					inOneRun++;
				}
			}
		}
		return Math.max(0, workers - inOneRun);
	}

	/**
	 * Return how long the head of a first-in, first-out queue has waited at least, from
	 * the counts of arrivals, and note this sweep's count.
	 */
	private static long arrived(Pool pool, ThreadPoolExecutor executor, Queue<?> queue, boolean counting, int workers,
			long startedSince) {
		// Every task that arrived left the queue to a worker that counted its run, left
		// it some other way (then the counts are forgotten), or is still queued: the runs
		// counted before the queue's size is read, and the clock read after it, give a
		// count of tasks that had arrived by then (short of those taken between the two
		// reads). The head is at most as far down the arrivals as the runs counted after
		// it was read, plus one a worker may have taken from the queue without counting
		// it yet, per worker not seen in one run throughout.
		long started = pool.started + startedSince;
		long headAt = started + workers + 1;
		int size = queue.size();
		long now = System.nanoTime();
		long arrived = started + size;
		Object policy = FutureHooks.policyOf(executor);
		// Read after the head.
		boolean edited = pool.arrivals.sweepEdits();
		if (!counting || workers < 0 || policy == null || !JDK_POLICIES.contains(policy.getClass()) || edited
				|| FutureHooks.isShutDown(executor)) {
			// Not while the workers may not count yet, tasks may leave the queue some
			// other way (a policy of the application's own may do anything), or a pool
			// shut down drains its queue.
			pool.arrivals.forget();
			return 0;
		}
		// Any worker may have taken a task between the two reads.
		return pool.arrivals.note(now, arrived, headAt, Math.max(workers, FutureHooks.workerCount(executor)));
	}

	/** The time of a worker's run whose task was not seen yet. */
	private static final long NOT_RUNNING = Long.MIN_VALUE;

	/** The phases of a worker's run: its task taken, held in {@code beforeExecute}. */
	private static final long TAKEN = 0;

	/** The phases of a worker's run: its task runs. */
	private static final long RUNNING = 1;

	private static final Set<Class<?>> JDK_POLICIES = Set.of(ThreadPoolExecutor.AbortPolicy.class,
			ThreadPoolExecutor.DiscardPolicy.class, ThreadPoolExecutor.DiscardOldestPolicy.class,
			ThreadPoolExecutor.CallerRunsPolicy.class);

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
		 * Each worker's count of runs when last seen, when the detector first saw that
		 * run's task in its phase ({@code NOT_RUNNING} until it does), and the phase.
		 */
		final Map<WorkerSlot, long[]> runs = new IdentityHashMap<>();

		/**
		 * The runs the workers started while watched, as far as the detector read them.
		 */
		long started;

		/**
		 * Whether the queue is one of the JDK's first-in, first-out queues in a pool that
		 * is not a scheduled one: its tasks leave it in the order they arrived.
		 */
		final boolean fifo;

		/** The counts of arrivals of a first-in, first-out queue. */
		final ArrivalCounts arrivals = new ArrivalCounts();

		/** Whether the workers count their runs. */
		volatile boolean counting;

		Pool(Object executor, Queue<?> queue) {
			this.executor = new WeakReference<>(executor);
			Class<?> type = queue.getClass();
			// Not a LinkedBlockingDeque, to which the application may add at the front.
			this.fifo = !(executor instanceof ScheduledThreadPoolExecutor)
					&& (type == LinkedBlockingQueue.class || type == ArrayBlockingQueue.class);
		}

	}

}
