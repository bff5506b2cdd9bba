package io.github.leakedtasks.tracking;

import java.util.concurrent.Executor;

/**
 * A tracked plain {@link Executor}.
 *
 * @since 0.1.0
 */
class TrackedExecutor implements Executor {

	final ExecutorTracking tracking;

	private final Executor delegate;

	TrackedExecutor(ExecutorTracking tracking, Executor delegate) {
		this.tracking = tracking;
		this.delegate = delegate;
	}

	@Override
	public void execute(Runnable command) {
		this.tracking.execute(command, null, this.delegate::execute);
	}

	@Override
	public String toString() {
		return "Tracked[" + this.delegate + "]";
	}

}
