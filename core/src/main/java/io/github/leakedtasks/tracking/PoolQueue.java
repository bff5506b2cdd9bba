package io.github.leakedtasks.tracking;

import java.lang.ref.WeakReference;
import java.util.Collections;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Set;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.Supplier;

/**
 * The pool an {@link ExecutorTracking} hands its tasks to, and the reading of its queue
 * that tells a task a JDK discard policy dropped from one still queued, before the
 * collector confirms the drop. The queue is read on the detector's thread.
 *
 * @since 0.1.0
 */
final class PoolQueue {

	/** Tasks in a queue past which it is not read. */
	static final int MAX_QUEUE_READ = 4_096;

	/** Hands tasks to more than one executor: no queue is read. */
	private static final Object ELSEWHERE = new Object();

	/**
	 * The pool whose queue holds the tasks the tracking hands over: the pool itself, held
	 * weakly, or a {@code Supplier} of it; {@link #ELSEWHERE}; or {@code null} while none
	 * is known.
	 */
	private Object pool;

	/** The first pool the supplier of {@link #pool} returned, held weakly. */
	private WeakReference<ThreadPoolExecutor> suppliedPool;

	private final Object poolLock = new Object();

	/**
	 * @see ExecutorTracking#queuesIn(ThreadPoolExecutor)
	 */
	void queuesIn(ThreadPoolExecutor pool) {
		synchronized (this.poolLock) {
			if (pool == null || pool instanceof ScheduledThreadPoolExecutor) {
				this.pool = ELSEWHERE;
			}
			else if (this.pool == null) {
				this.pool = new WeakReference<>(pool);
			}
			else if (!(this.pool instanceof WeakReference<?> known) || known.get() != pool) {
				// Tasks of this tracking may sit in either queue.
				this.pool = ELSEWHERE;
			}
		}
	}

	/**
	 * @see ExecutorTracking#queuesIn(Supplier)
	 */
	void queuesIn(Supplier<ThreadPoolExecutor> pool) {
		synchronized (this.poolLock) {
			this.pool = (this.pool == null && pool != null) ? pool : ELSEWHERE;
		}
	}

	/**
	 * Note that the tracked tasks are also handed to an executor whose queue is not read:
	 * no queue then tells which of them are queued.
	 */
	void elsewhere() {
		synchronized (this.poolLock) {
			this.pool = ELSEWHERE;
		}
	}

	/**
	 * Return the records of the tracked tasks in the pool's queue, or {@code null} when
	 * it cannot be told which tasks not started were dropped: no pool is known (or a
	 * supplier of it returned another one than before), its rejection policy is not one
	 * of the JDK's discard policies, more of its workers hold a task than the tracked
	 * tasks still running (a worker may hold a task it has not started, in
	 * {@code beforeExecute}), its queue holds more than {@link #MAX_QUEUE_READ} tasks, or
	 * a task the engine does not recognize (one a {@code TaskDecorator} wrapped, or the
	 * pool's own future around a tracked task). The queue is read before the busy workers
	 * are counted, so that a task a worker takes in between is counted busy.
	 * @param running records of this tracking's tasks that were running
	 */
	Set<TaskRecord> queuedRecords(List<TaskRecord> running) {
		ThreadPoolExecutor pool = currentPool();
		if (pool == null) {
			return null;
		}
		try {
			if (!discards(pool.getRejectedExecutionHandler())) {
				return null;
			}
			BlockingQueue<Runnable> queue = pool.getQueue();
			if (queue.size() > MAX_QUEUE_READ) {
				return null;
			}
			Set<TaskRecord> records = Collections.newSetFromMap(new IdentityHashMap<>());
			for (Object queued : queue.toArray()) {
				TrackedTask<?> task = (queued instanceof TrackedFutureTask<?> future) ? future.task()
						: (queued instanceof TrackedTask<?> tracked) ? tracked : null;
				if (task == null) {
					return null;
				}
				TaskRecord record = task.record();
				if (record != null) {
					records.add(record);
				}
			}
			int busy = pool.getActiveCount();
			// Counted after the workers: only those still running now.
			int stillRunning = 0;
			for (TaskRecord record : running) {
				if (!record.is(TaskRecord.FINISHED)) {
					stillRunning++;
				}
			}
			return (busy <= stillRunning) ? records : null;
		}
		catch (Throwable ex) {
			// A pool of the application's that fails to show its queue: read as queued.
			return null;
		}
	}

	/**
	 * Return the pool whose queue is read, or {@code null}.
	 */
	private ThreadPoolExecutor currentPool() {
		Object known;
		synchronized (this.poolLock) {
			known = this.pool;
		}
		try {
			if (known instanceof WeakReference<?> reference) {
				return (ThreadPoolExecutor) reference.get();
			}
			if (!(known instanceof Supplier<?> supplier)) {
				return null;
			}
			ThreadPoolExecutor supplied = (ThreadPoolExecutor) supplier.get();
			synchronized (this.poolLock) {
				if (this.suppliedPool == null && supplied != null) {
					this.suppliedPool = new WeakReference<>(supplied);
				}
				else if (this.suppliedPool == null || this.suppliedPool.get() != supplied) {
					// Initialized again: tasks may sit in the pool before.
					this.pool = ELSEWHERE;
					return null;
				}
			}
			return supplied;
		}
		catch (Throwable ex) {
			return null;
		}
	}

	private static boolean discards(Object handler) {
		return handler != null && (handler.getClass() == ThreadPoolExecutor.DiscardPolicy.class
				|| handler.getClass() == ThreadPoolExecutor.DiscardOldestPolicy.class);
	}

}
