package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * The tasks a unit of work created, such as a test: every tracked task created on a
 * thread while the scope is current there, by any tracker, belongs to it, and so does
 * every task created while one of its tasks runs.
 * <p>
 * Tasks created in a scope always get a record and a creation trace, whatever the trace
 * mode. Until the first scope is opened, a task pays one static read for scopes.
 *
 * @since 0.1.0
 */
public final class TaskScope implements AutoCloseable {

	private static final ThreadLocal<TaskScope> CURRENT = new ThreadLocal<>();

	private static final List<Runnable> firstOpened = new ArrayList<>();

	/** Whether a scope was ever opened: until then, no thread-local is read. */
	private static volatile boolean used;

	/** Whether a tracker was ever created: until then, no task can join a scope. */
	private static volatile boolean trackerCreated;

	private final String name;

	private final Thread thread;

	private final TaskScope outer;

	private final ScopeTasks tasks = new ScopeTasks();

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
	 * Return whether a tracker was ever created with this class's loader (the Java
	 * agent's, the Spring starter's or one created by the application): without one, no
	 * task is tracked, so no task joins any scope. An integration that fails a test for
	 * its scope's leaks can say so.
	 * @return whether a tracker was created
	 */
	public static boolean anyTracker() {
		return trackerCreated;
	}

	/**
	 * Have every tracker that is not closed (the Java agent's, the Spring starter's, one
	 * created by the application) make, now, the pass it makes when it closes, without
	 * closing it: a sweep, then, only if a task was let go of or has not started though
	 * due, or a failure nobody retrieved is watched, one {@code System.gc()} and the
	 * reports of what that collection proves. The trackers are asked together and make
	 * their passes on their detectors' threads. For an integration that ends a test run
	 * while the JVM's output is still heard: Maven Surefire stops reading a forked JVM's
	 * output before the JVM's shutdown hooks run, where the Java agent's tracker, and a
	 * Spring test context's, would otherwise make that pass. What the pass confirms goes
	 * where the detector's confirmations always go: to the trackers' listeners, and to a
	 * test's scope still open. A listener that asks, on a detector's thread, does not
	 * wait for that detector; a pass not made within the timeout is not made for this
	 * call.
	 * @param timeout how long to wait for the passes
	 * @return whether every tracker's pass got to its end within the timeout;
	 * {@code false} if the calling thread was interrupted (its interrupt is kept)
	 * @throws NullPointerException if the timeout is {@code null}
	 */
	public static boolean checkTrackersNow(Duration timeout) {
		if (timeout == null) {
			throw new NullPointerException("timeout must not be null");
		}
		try {
			return TaskTracker.passAllNow(timeout);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return false;
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	static void trackerCreated() {
		if (!trackerCreated) {
			trackerCreated = true;
		}
	}

	/**
	 * Return the scope current on this thread, if any.
	 * @return the scope, or {@code null}
	 */
	public static TaskScope current() {
		return used ? CURRENT.get() : null;
	}

	/**
	 * Return the scope's name, such as the test's display name.
	 * @return the name
	 */
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
			restore(this.outer);
		}
	}

	/**
	 * Wait until no task of the scope is queued or running any more and every failure of
	 * its tasks was delivered. A queued task may have been dropped, which only the
	 * collector can prove: while one is queued, the collector is asked to run, at once
	 * and then less and less often (at most once a second). An interrupt of the calling
	 * thread, set when it calls or coming during the wait, ends the wait, and is kept.
	 * @param timeout how long to wait at most; one too long to count in nanoseconds has
	 * no end
	 * @return whether every task finished in time
	 */
	public boolean awaitTasks(Duration timeout) {
		return this.tasks.await(timeout);
	}

	ScopeTasks tasks() {
		return this.tasks;
	}

	/**
	 * Return the leaks of this scope's tasks not returned before: those the collector
	 * confirmed, and the failures delivered that nobody retrieved so far.
	 * @return the leaks
	 */
	public List<LeakReport> takeLeaks() {
		return this.tasks.takeLeaks();
	}

	/**
	 * Return the leaks of this scope's tasks that the collector confirmed since last
	 * asked, but not those already returned by {@link #takeLeaks()}.
	 * @return the leaks
	 */
	public List<LeakReport> takeConfirmedLeaks() {
		return this.tasks.takeConfirmedLeaks();
	}

	/**
	 * Make a scope current on this thread, for code that runs on a thread of its own what
	 * belongs to the scope: a task while it runs, or a test's body that a test framework
	 * runs on another thread (JUnit's {@code SEPARATE_THREAD} timeouts).
	 * @param scope the scope, or {@code null} to change nothing
	 * @return the scope current before, to restore with {@link #leave}
	 */
	public static TaskScope enter(TaskScope scope) {
		if (scope == null) {
			return null;
		}
		TaskScope outer = CURRENT.get();
		CURRENT.set(scope);
		return outer;
	}

	/**
	 * Restore the scope current before {@link #enter}.
	 * @param scope the scope given to {@link #enter}
	 * @param outer what {@link #enter} returned
	 */
	public static void leave(TaskScope scope, TaskScope outer) {
		if (scope != null) {
			restore(outer);
		}
	}

	private static void restore(TaskScope outer) {
		if (outer != null) {
			CURRENT.set(outer);
		}
		else {
			CURRENT.remove();
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
		this.tasks.add(record, waited);
	}

	/**
	 * Wait, at the end of this scope, for the failure of a future a source saw created in
	 * it, while that failure is on its way to the engine.
	 * @param future the future
	 */
	void waitFor(ScopedFuture future) {
		this.tasks.waitFor(future);
	}

	/**
	 * Wait, at the end of this scope, for a dependent stage of its tasks' futures once
	 * the stage it was added to completed.
	 * @param dependent the stage
	 * @param parent the stage it was added to
	 */
	void waitForStage(TrackedCompletableFuture<?> dependent, TrackedCompletableFuture<?> parent) {
		this.tasks.waitForStage(dependent, parent);
	}

	static void watched(FailureWatch watch) {
		TaskScope scope = watch.record.scope;
		if (scope != null) {
			scope.tasks.watched(watch);
		}
	}

	static void confirmed(TaskRecord record, LeakReport report) {
		TaskScope scope = record.scope;
		if (scope != null) {
			scope.tasks.confirmed(record, report);
		}
	}

	@Override
	public String toString() {
		return "TaskScope[" + this.name + "]";
	}

}
