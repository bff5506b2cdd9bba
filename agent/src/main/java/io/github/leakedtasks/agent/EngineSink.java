package io.github.leakedtasks.agent;

import java.util.concurrent.CompletableFuture;

import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import io.github.leakedtasks.agent.bootstrap.FutureSink;
import io.github.leakedtasks.tracking.FutureEvents;
import io.github.leakedtasks.tracking.TaskTracker;

/**
 * Hands what the hooks see to the engine, as two sources of events: one for
 * {@code CompletableFuture}s, one for {@code FutureTask}s.
 *
 * @since 0.1.0
 */
final class EngineSink implements FutureSink {

	static final String COMPLETABLE_FUTURES = "agent:CompletableFuture";

	static final String FUTURE_TASKS = "agent:FutureTask";

	private final FutureEvents completable;

	private final FutureEvents tasks;

	private final Dependents dependents;

	EngineSink(TaskTracker tracker, Dependents dependents) {
		this.completable = new FutureEvents(tracker, COMPLETABLE_FUTURES);
		this.tasks = new FutureEvents(tracker, FUTURE_TASKS);
		this.dependents = dependents;
	}

	boolean tracesCreation() {
		return this.completable.tracesCreation();
	}

	@Override
	public void failed(Object future, Throwable failure) {
		if (future instanceof CompletableFuture) {
			if (this.dependents == null) {
				// CompletableFuture is not instrumented: see AgentInstaller.
				return;
			}
			this.completable.failed(future, failure, FutureHooks.currentExecutor());
			// Read after the failure is registered: a dependent pushed concurrently is
			// either seen here or sees the failure when it is created.
			if (this.dependents.any(future)) {
				this.completable.retrieved(future);
			}
		}
		else {
			this.tasks.failed(future, failure, FutureHooks.currentExecutor());
		}
	}

	@Override
	public void retrieved(Object future) {
		events(future).retrieved(future);
	}

	@Override
	public void observed(Object future) {
		events(future).observed(future);
	}

	@Override
	public void created(Object future, Object task) {
		events(future).created(future, task);
	}

	private FutureEvents events(Object future) {
		return (future instanceof CompletableFuture) ? this.completable : this.tasks;
	}

}
