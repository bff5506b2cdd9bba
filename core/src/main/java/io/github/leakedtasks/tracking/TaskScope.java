package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.locks.LockSupport;

/**
 * The tasks a unit of work created, such as a test: every tracked task created on a
 * thread while the scope is current there, by any tracker, belongs to it, and so does
 * every task created while one of its tasks runs.
 * <p>
 * Tasks created in a scope always get a creation trace and a record, whatever the trace
 * mode. A thread that never opened a scope pays one static read per task.
 *
 * @since 0.1.0
 */
public final class TaskScope implements AutoCloseable {

	private static final ThreadLocal<TaskScope> CURRENT = new ThreadLocal<>();

	private static final long GC_INTERVAL_NANOS = 100_000_000;

	private static final long POLL_NANOS = 10_000_000;

	/** Tasks added between two prunings of what a scope holds. */
	private static final int PRUNE_EVERY = 1024;

	/** Whether a scope was ever opened: until then, no thread-local is read. */
	private static volatile boolean used;

	private static final List<Runnable> firstOpened = new ArrayList<>();

	private final String name;

	private final Thread thread;

	private final TaskScope outer;

	/** Records of tasks that may still be queued or running. */
	private final Queue<TaskRecord> tasks = new ConcurrentLinkedQueue<>();

	private final Queue<FailureWatch> watches = new ConcurrentLinkedQueue<>();

	private final Queue<LeakReport> confirmed = new ConcurrentLinkedQueue<>();

	private final Set<TaskRecord> confirmedRecords = ConcurrentHashMap.newKeySet();

	/** Records whose leak this scope handed out already. */
	private final Set<TaskRecord> taken = ConcurrentHashMap.newKeySet();

	private final AtomicInteger added = new AtomicInteger();

	private TaskScope(String name) {
		this.name = name;
		this.thread = Thread.currentThread();
		this.outer = CURRENT.get();
	}

	/**
	 * Open a scope and make it current on this thread until it is closed.
	 * @param name what the scope stands for, such as a test's name
	 * @return the scope
	 */
	public static TaskScope open(String name) {
		if (!used) {
			firstOpened();
		}
		TaskScope scope = new TaskScope(name);
		CURRENT.set(scope);
		return scope;
	}

	/**
	 * Run an action when the first scope is opened, or now if one was: a source of events
	 * that skips creations, such as the Java agent, starts reporting them.
	 * @param action the action
	 */
	public static void whenFirstOpened(Runnable action) {
		synchronized (firstOpened) {
			if (!used) {
				firstOpened.add(action);
				return;
			}
		}
		action.run();
	}

	private static void firstOpened() {
		List<Runnable> actions;
		synchronized (firstOpened) {
			if (used) {
				return;
			}
			actions = List.copyOf(firstOpened);
			firstOpened.clear();
			used = true;
		}
		actions.forEach(Runnable::run);
	}

	/**
	 * Return the scope current on this thread, if any.
	 * @return the scope, or {@code null}
	 */
	public static TaskScope current() {
		return used ? CURRENT.get() : null;
	}

	public String name() {
		return this.name;
	}

	/**
	 * Stop attributing the tasks this thread creates to this scope; tasks of the scope
	 * still running go on attributing theirs.
	 */
	@Override
	public void close() {
		if (Thread.currentThread() == this.thread && CURRENT.get() == this) {
			if (this.outer != null) {
				CURRENT.set(this.outer);
			}
			else {
				CURRENT.remove();
			}
		}
	}

	/**
	 * Wait until no task of the scope is queued or running any more and every failure of
	 * its tasks was delivered. A queued task may have been dropped, which only the
	 * collector can prove: while one is queued, the collector is asked to run.
	 * @param timeout how long to wait at most
	 * @return whether every task finished in time
	 */
	public boolean awaitTasks(Duration timeout) {
		long deadline = System.nanoTime() + timeout.toNanos();
		long nextGc = System.nanoTime();
		while (true) {
			boolean queued = false;
			boolean pending = false;
			for (Iterator<TaskRecord> iterator = this.tasks.iterator(); iterator.hasNext();) {
				TaskRecord record = iterator.next();
				if (isOver(record)) {
					iterator.remove();
				}
				else {
					pending = true;
					queued |= !record.is(TaskRecord.STARTED);
				}
			}
			for (FailureWatch watch : this.watches) {
				pending |= watch.delivered() == TrackedFuture.Outcome.PENDING && LeakRules.isLost(watch);
			}
			long now = System.nanoTime();
			if (!pending) {
				return true;
			}
			if (now - deadline >= 0) {
				return false;
			}
			if (queued && now - nextGc >= 0) {
				System.gc();
				nextGc = now + GC_INTERVAL_NANOS;
			}
			LockSupport.parkNanos(POLL_NANOS);
		}
	}

	/**
	 * Return the leaks of this scope's tasks not returned before: those the collector
	 * confirmed, then the failures delivered that nobody retrieved so far.
	 * @return the leaks
	 */
	public List<LeakReport> takeLeaks() {
		List<LeakReport> leaks = takeConfirmedLeaks();
		for (FailureWatch watch : this.watches) {
			TaskRecord record = watch.record;
			if (LeakRules.isLost(watch) && watch.delivered() instanceof Throwable failure && this.taken.add(record)) {
				leaks.add(LeakRules.toReport(LeakKind.EXCEPTION_NOT_RETRIEVED, record, failure,
						record.executor.tracker().settings(), Instant.ofEpochMilli(watch.failedAtMillis)));
			}
		}
		// The collector may have confirmed one of them meanwhile, which this scope then
		// holds as confirmed.
		leaks.addAll(takeConfirmedLeaks());
		return leaks;
	}

	/**
	 * Return the leaks of this scope's tasks that the collector confirmed since last
	 * asked, but not those already returned by {@link #takeLeaks()}.
	 * @return the leaks
	 */
	public List<LeakReport> takeConfirmedLeaks() {
		List<LeakReport> leaks = new ArrayList<>();
		LeakReport report;
		while ((report = this.confirmed.poll()) != null) {
			leaks.add(report);
		}
		return leaks;
	}

	/**
	 * Make a task's scope current on this thread while it runs.
	 * @return the scope current before, to restore with {@link #leave}
	 */
	static TaskScope enter(TaskScope scope) {
		if (scope == null) {
			return null;
		}
		TaskScope outer = CURRENT.get();
		CURRENT.set(scope);
		return outer;
	}

	static void leave(TaskScope scope, TaskScope outer) {
		if (scope != null) {
			if (outer != null) {
				CURRENT.set(outer);
			}
			else {
				CURRENT.remove();
			}
		}
	}

	/**
	 * Attribute a task's record to this scope.
	 * @param record the record
	 * @param waited whether the task is waited for at the end of the scope: a periodic
	 * task is not
	 */
	void add(TaskRecord record, boolean waited) {
		record.scope = this;
		if (waited) {
			this.tasks.add(record);
		}
		if (this.added.incrementAndGet() % PRUNE_EVERY == 0) {
			prune();
		}
	}

	private boolean isOver(TaskRecord record) {
		return record.is(TaskRecord.FINISHED) || record.is(TaskRecord.CANCELLED)
				|| this.confirmedRecords.contains(record);
	}

	/**
	 * Let go of finished tasks and retrieved failures: a periodic task of a scope may go
	 * on creating tasks long after its test ended.
	 */
	private void prune() {
		this.tasks.removeIf(this::isOver);
		this.watches.removeIf((watch) -> !LeakRules.isLost(watch) || this.taken.contains(watch.record));
	}

	static void watched(FailureWatch watch) {
		TaskScope scope = watch.record.scope;
		if (scope != null) {
			scope.watches.add(watch);
		}
	}

	static void confirmed(TaskRecord record, LeakReport report) {
		TaskScope scope = record.scope;
		if (scope != null) {
			if (scope.taken.add(record)) {
				scope.confirmed.add(report);
			}
			scope.confirmedRecords.add(record);
		}
	}

	@Override
	public String toString() {
		return "TaskScope[" + this.name + "]";
	}

}
