package io.github.leakedtasks.tracking;

/**
 * When the stack of the submitting thread is captured as a task's creation trace.
 *
 * @since 0.1.0
 */
public enum CreationTraceMode {

	/**
	 * Capture a trace for every task.
	 */
	ALWAYS,

	/**
	 * Capture a trace for the first tasks of each task type, then for a sample of the
	 * others.
	 */
	SAMPLED,

	/**
	 * Never capture a trace.
	 */
	OFF

}
