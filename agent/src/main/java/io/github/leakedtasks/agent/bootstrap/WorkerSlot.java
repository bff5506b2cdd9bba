package io.github.leakedtasks.agent.bootstrap;

import java.lang.invoke.MethodHandles;
import java.lang.invoke.VarHandle;

/**
 * What one worker thread of a {@code ThreadPoolExecutor} runs: made once when the worker
 * starts, written per task only while its executor is watched for overdue tasks, read by
 * the engine's detector. Per task the worker counts the run and notes the task before the
 * executor's {@code beforeExecute}, notes that the run started after it, and clears the
 * task at its end, with release stores, which on x86 cost no fence, and reads no clock:
 * the detector times a run from the first sweep that sees its task, as the wrappers time
 * a task without a creation trace.
 *
 * @since 0.1.0
 */
public final class WorkerSlot {

	private static final VarHandle TASK;

	private static final VarHandle RUNS;

	private static final VarHandle STARTED;

	static {
		try {
			MethodHandles.Lookup lookup = MethodHandles.lookup();
			TASK = lookup.findVarHandle(WorkerSlot.class, "task", Object.class);
			RUNS = lookup.findVarHandle(WorkerSlot.class, "runs", int.class);
			STARTED = lookup.findVarHandle(WorkerSlot.class, "started", int.class);
		}
		catch (ReflectiveOperationException ex) {
			throw new ExceptionInInitializerError(ex);
		}
	}

	private final Object executor;

	private final Thread thread;

	private volatile Object task;

	private volatile int runs;

	/** The count of the latest run that started: {@code beforeExecute} returned. */
	private volatile int started;

	private volatile boolean stopped;

	/** Only the worker's thread reads and writes the two fields below. */
	private boolean watched;

	private int checked = -1;

	WorkerSlot(Object executor, Thread thread) {
		this.executor = executor;
		this.thread = thread;
	}

	/**
	 * Return the executor the worker works for.
	 * @return the executor
	 */
	public Object executor() {
		return this.executor;
	}

	/**
	 * Return the worker's thread.
	 * @return the thread
	 */
	public Thread thread() {
		return this.thread;
	}

	/**
	 * Return the task the worker took, or {@code null} between tasks: it runs once
	 * {@link #started()} counts its run.
	 * @return the task, or {@code null}
	 */
	public Object task() {
		return this.task;
	}

	/**
	 * Return how many tasks the worker started while watched: read after {@link #task()},
	 * it counts that task's run or a later one. It wraps around.
	 * @return the count of runs
	 */
	public int runs() {
		return this.runs;
	}

	/**
	 * Return the count of the latest run that started, once the executor's
	 * {@code beforeExecute} returned: read after {@link #task()}, equal to the count of
	 * that task's run if it runs, else the task waits in {@code beforeExecute}.
	 * @return the count of the run started last
	 */
	public int started() {
		return this.started;
	}

	/**
	 * Return whether the worker stopped running tasks for good.
	 * @return whether it stopped
	 */
	public boolean isStopped() {
		return this.stopped;
	}

	/**
	 * Whether the worker's executor is watched, asked of the sink again only when the
	 * watched executors changed.
	 */
	boolean isWatched(FutureSink sink, int generation) {
		if (this.checked != generation) {
			// Noted only once the sink answered: asked again at the next task otherwise.
			this.watched = sink != null && sink.watches(this);
			this.checked = generation;
		}
		return this.watched;
	}

	/**
	 * Count and note a task the worker took from its executor, before the executor's
	 * {@code beforeExecute}, which may block or throw.
	 */
	void took(Object task) {
		RUNS.setRelease(this, (int) RUNS.get(this) + 1);
		TASK.setRelease(this, task);
	}

	/**
	 * Note that the task taken runs, once {@code beforeExecute} returned.
	 */
	void running() {
		STARTED.setRelease(this, (int) RUNS.get(this));
	}

	void idle() {
		// Written only if a task was noted: nothing is, in a pool no one watches. Only
		// this thread writes the fields, so a plain read sees its own latest write.
		if (TASK.get(this) != null) {
			TASK.setRelease(this, null);
		}
	}

	void stop() {
		this.task = null;
		this.stopped = true;
	}

}
