package io.github.leakedtasks.tracking;

import java.util.concurrent.Executor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.function.Consumer;

/**
 * A tracked plain {@link Executor}.
 *
 * @since 0.1.0
 */
class TrackedExecutor implements Executor {

	final ExecutorTracking tracking;

	private final Executor delegate;

	private final Consumer<Runnable> execute;

	TrackedExecutor(ExecutorTracking tracking, Executor delegate) {
		this.tracking = tracking;
		this.delegate = delegate;
		this.execute = delegate::execute;
		if (delegate instanceof ThreadPoolExecutor pool) {
			tracking.queuesIn(pool);
		}
		else {
			tracking.queuesElsewhere();
		}
	}

	@Override
	public void execute(Runnable command) {
		if (IntegrationSubmission.isActive()) {
			this.delegate.execute(command);
			return;
		}
		this.tracking.execute(command, null, this.execute);
	}

	@Override
	public String toString() {
		return "Tracked[" + this.delegate + "]";
	}

}
