package io.github.leakedtasks.tracking;

/**
 * When the stack of the submitting thread is captured as a task's creation trace. A task
 * created while a test's {@link TaskScope} is open is traced whatever the mode, so that
 * the test that lost it says where.
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
	 * Capture no trace, except for the tasks created in a {@link TaskScope}.
	 */
	OFF

}
