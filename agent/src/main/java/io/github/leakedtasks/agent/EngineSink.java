package io.github.leakedtasks.agent;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;

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

	private final TaskContents contents = new TaskContents();

	EngineSink(TaskTracker tracker, Dependents dependents) {
		this.completable = new FutureEvents(tracker, COMPLETABLE_FUTURES);
		this.tasks = new FutureEvents(tracker, FUTURE_TASKS);
		this.dependents = dependents;
	}

	boolean tracesCreation() {
		return this.completable.tracesCreation();
	}

	@Override
	public void failed(Object future, Throwable failure, Object task) {
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
			this.tasks.failed(future, failure, FutureHooks.currentExecutor(), this.contents.adapted(task));
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

	@Override
	public void workerStarted(Object executor) {
		this.tasks.workerStarted(executor);
	}

	/**
	 * A {@code FutureTask} or a task of {@code CompletableFuture}, whose running the
	 * hooks report, is watched until it is collected; a plain task only if it was surely
	 * discarded, since whether a caller runs it cannot be seen.
	 */
	@Override
	public void dropped(Object task, Object executor, boolean discarded) {
		boolean futureTask = task instanceof FutureTask<?>;
		if (futureTask || this.contents.isAsyncTask(task)) {
			// Set first: a task run from now on is seen running.
			FutureHooks.letGo = true;
			(futureTask ? this.tasks : this.completable).dropped(task, this.contents.userTask(task), executor);
		}
		else if (discarded) {
			this.tasks.discarded(task, executor);
		}
	}

	@Override
	public void uncaught(Object task, Throwable failure, Object executor) {
		this.tasks.uncaught(task, failure, executor);
	}

	@Override
	public void left(Object task) {
		((task instanceof FutureTask<?>) ? this.tasks : this.completable).left(task);
	}

	private FutureEvents events(Object future) {
		return (future instanceof CompletableFuture) ? this.completable : this.tasks;
	}

}
