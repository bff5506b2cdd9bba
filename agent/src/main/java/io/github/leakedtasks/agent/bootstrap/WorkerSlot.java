package io.github.leakedtasks.agent.bootstrap;

/**
 * What one worker thread of a {@code ThreadPoolExecutor} runs: made once when the worker
 * starts, written per task only while its executor is watched for overdue tasks, read by
 * the engine's detector.
 *
 * @since 0.1.0
 */
public final class WorkerSlot {

	private final Object executor;

	private final Thread thread;

	private volatile Object task;

	private volatile long since;

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
	 * Return the task the worker runs, or {@code null} between tasks.
	 * @return the task, or {@code null}
	 */
	public Object task() {
		return this.task;
	}

	/**
	 * Return when the worker started its task, as {@link System#nanoTime()}: read after
	 * {@link #task()}, it is the start of that task or of a later one.
	 * @return when the task started
	 */
	public long since() {
		return this.since;
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
			this.checked = generation;
			this.watched = sink != null && sink.watches(this);
		}
		return this.watched;
	}

	void running(Object task) {
		this.since = System.nanoTime();
		this.task = task;
	}

	void idle() {
		// Written only if a task was noted: nothing is, in a pool no one watches.
		if (this.task != null) {
			this.task = null;
		}
	}

	void stop() {
		this.task = null;
		this.stopped = true;
	}

}
