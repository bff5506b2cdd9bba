package io.github.leakedtasks.agent;

import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;
import java.util.function.Predicate;

import io.github.leakedtasks.agent.bootstrap.FutureHooks;
import io.github.leakedtasks.agent.bootstrap.FutureSink;
import io.github.leakedtasks.agent.bootstrap.WorkerSlot;
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

	private final DecoratedTasks decorated;

	private final Predicate<Object> settled = this.contents::settled;

	private final boolean futureTaskDrops;

	private final boolean asyncDrops;

	private final WatchedPools pools;

	/**
	 * Create the sink.
	 * @param tracker the engine
	 * @param dependents the reader of {@code CompletableFuture}'s dependents, or
	 * {@code null} if {@code CompletableFuture} is not instrumented
	 * @param futureTasksSettle whether the settling of a {@code FutureTask} is reported
	 * @param asyncTasksSettle whether the end of a run of {@code CompletableFuture}'s
	 * tasks is reported
	 * @param workersSeen whether what the workers of a {@code ThreadPoolExecutor} run is
	 * reported, so that executors can be watched for overdue tasks
	 */
	EngineSink(TaskTracker tracker, Dependents dependents, boolean futureTasksSettle, boolean asyncTasksSettle,
			boolean workersSeen) {
		this.completable = new FutureEvents(tracker, COMPLETABLE_FUTURES);
		this.decorated = new DecoratedTasks(tracker);
		this.tasks = new FutureEvents(tracker, FUTURE_TASKS);
		// A wrapper's task an executor lets go of may sit inside the JDK's, inside an
		// integration's task: the wrapper reports its drop.
		this.completable.lookInsideTasks(this.contents::userTask);
		this.completable.nameFailuresBy(FutureHooks::asyncTaskThatFailed);
		this.tasks.lookInsideTasks(this.contents::userTask);
		// isDone() is true while a FutureTask stores its failure, before the hook tells
		// the engine: a test's scope reads the state instead.
		this.tasks.readFutureTaskStates(this.contents::futureTaskState);
		this.dependents = dependents;
		// Without the hook that says a task settled, a task handed back and then run
		// would be reported: such drops are not watched.
		this.futureTaskDrops = futureTasksSettle && this.contents.canWatch(false);
		this.asyncDrops = asyncTasksSettle && this.contents.canWatch(true);
		// Watching an executor stands in for its wrapper: only if drops of both kinds of
		// tasks are watched too.
		this.pools = (workersSeen && this.futureTaskDrops && this.asyncDrops)
				? new WatchedPools(this.tasks, this.completable, this.contents) : null;
		if (this.pools != null) {
			tracker.addOverdueSource(this.pools);
		}
	}

	@Override
	public boolean watches(WorkerSlot slot) {
		return this.pools != null && this.pools.attach(slot);
	}

	@Override
	public void queueEdited(Object executor, boolean done) {
		if (this.pools != null) {
			this.pools.edited(executor, done);
		}
	}

	boolean tracesCreation() {
		return this.completable.tracesCreation();
	}

	boolean tracesEveryMade() {
		return this.completable.tracesEveryMade();
	}

	@Override
	public void failed(Object future, Throwable failure, Object task) {
		if (future instanceof CompletableFuture) {
			if (this.dependents == null) {
				// CompletableFuture is not instrumented: see AgentInstaller.
				return;
			}
			watch(future, failure, false, false);
		}
		else {
			// A future run as a task that kept its failure (a ForkJoinTask, Guava's
			// periodic task) is the engine's to tell: see SelfDeliveringTasks.
			this.tasks.failed(future, failure, FutureHooks.currentExecutor(), this.contents.adapted(task));
		}
	}

	@Override
	public void failureHandedOn(Object future, Throwable failure) {
		failedUnlessTheJdks(future, failure, false, false, true);
	}

	@Override
	public void failureSeen(Object future, Throwable failure) {
		failedUnlessTheJdks(future, failure, false, true, true);
	}

	@Override
	public void failureRelayed(Object future, Throwable failure, boolean toDependent) {
		// A dependent on its stack is fired with this failure, maybe popped already by
		// another thread's postComplete when watch looks.
		failedUnlessTheJdks(future, failure, false, toDependent, true);
	}

	@Override
	public boolean hasDependent(Object stack) {
		return this.dependents != null && this.dependents.anyFrom(stack);
	}

	@Override
	public void obtruding(Object future, Throwable failure, Throwable held) {
		if (this.dependents == null || !(future instanceof CompletableFuture)) {
			return;
		}
		if (!isCancellation(failure)) {
			this.completable.replacing(future, failure, (held != null && !isCancellation(held)) ? held : null,
					FutureHooks.currentExecutor());
		}
		else if (held != null && !isCancellation(held)) {
			// A cancellation put over a failure: the failure counts as observed, as one
			// obtrudeValue replaces, and a cancellation is never watched.
			this.completable.observed(future);
		}
	}

	@Override
	public void failedExplicitly(Object future, Throwable failure) {
		failedUnlessTheJdks(future, failure, true, false, false);
	}

	/**
	 * Watch the failure of a {@code CompletableFuture} unless the JDK's own code made it,
	 * as never suspected if a class initializer made it (see {@link JdkCompleters}): the
	 * stack is read for every failure made explicitly or born failed, and for a failure
	 * handed on only if it is one the JDK's code made or the stage is of the JDK's own
	 * class (the HTTP client's {@code MinimalFuture}).
	 */
	private void failedUnlessTheJdks(Object future, Throwable failure, boolean explicit, boolean delivered,
			boolean handedOn) {
		if (this.dependents == null || !(future instanceof CompletableFuture)) {
			return;
		}
		if (handedOn && this.completable.isLibrarysStage(future)) {
			// A named library's stage, with a function of its code, carrying on a failure
			// of the library's: the library's too.
			Class<?> completer = this.completable.jdksFailure(failure);
			this.completable.failedByTheJdk(future, failure, (completer != null) ? completer : future.getClass());
			librarysStages(future);
			return;
		}
		JdkCompleters.Completer completer = null;
		try {
			if (!isCancellation(failure) && (explicit || this.completable.jdksFailure(failure) != null
					|| JdkCompleters.isJdkImplementation(future.getClass()))) {
				completer = JdkCompleters.of(future, explicit);
			}
		}
		catch (Throwable ex) {
			// Not told apart: watched, as any failure.
		}
		if (completer != null && completer.initializer()) {
			// Maybe a constant of the class, a sentinel it holds and hands out for good:
			// watched, but never suspected, so reported only if collected unretrieved.
			watch(future, failure, delivered, handedOn);
			this.completable.constant(future);
			return;
		}
		if (completer != null) {
			this.completable.failedByTheJdk(future, failure, completer.type());
			if (JdkCompleters.isLibrarysName(completer.type().getName())) {
				librarysStages(future);
			}
			return;
		}
		watch(future, failure, delivered, handedOn);
	}

	/**
	 * Note the stages a named library made on a future whose failure is the library's,
	 * with functions of its code, that are about to carry that failure on (the AWS SDK's
	 * {@code thenCompose} stages of the response handler it did not pick): the library's
	 * own. A stage with a function of the application's stays the application's.
	 */
	private void librarysStages(Object future) {
		try {
			this.dependents.forEachCarrier(future,
					(function) -> JdkCompleters.isLibrarysName(function.getClass().getName()),
					this.completable::librarysStage);
		}
		catch (Throwable ex) {
			// Left to be watched as any stage.
		}
	}

	private static boolean isCancellation(Throwable failure) {
		// The cause is read only from the JDK's wrapper: an application's exception's
		// getCause() may be its own code, which the application's call does not run.
		return failure instanceof CancellationException
				|| (failure instanceof CompletionException && failure.getCause() instanceof CancellationException);
	}

	/**
	 * Watch the failure of a {@code CompletableFuture}, unless it is delivered already:
	 * to a dependent or a waiter on its stack, or otherwise as the hook that saw it
	 * knows.
	 */
	private void watch(Object future, Throwable failure, boolean delivered, boolean handedOn) {
		// Read before the failure is registered, so that a delivered failure is never
		// watched, not even for the moment a test's end may look: the hook of a stage
		// method or a waiter that pushes after this read sees the failure, and marks it
		// retrieved whether it was registered by then or not.
		boolean handed = delivered || this.dependents.any(future);
		if (!handed) {
			if (handedOn) {
				this.completable.failedHandedOn(future, failure, FutureHooks.currentExecutor(), null, null);
			}
			else {
				this.completable.failed(future, failure, FutureHooks.currentExecutor());
			}
			// A dependent pushed since by code with no hook (the relay thenCompose adds
			// to the stage its function returned) does not mark it: read again.
			if (!this.dependents.any(future)) {
				return;
			}
		}
		// Its dependents are its task's: reported, should they fail, as it would be.
		List<Object> handedTo = new ArrayList<>(1);
		Map<Object, Object> awaiting = new IdentityHashMap<>(2);
		this.dependents.forEachDependent(future, handedTo::add, awaiting::put);
		if (handedOn) {
			this.completable.failedHandedOn(future, failure, FutureHooks.currentExecutor(), handedTo, awaiting);
		}
		else {
			this.completable.failedAndDelivered(future, failure, FutureHooks.currentExecutor(), handedTo, awaiting);
		}
		// Registered already by another hook: retrieved now.
		this.completable.retrieved(future);
		if (this.dependents.anyHandler(future)) {
			// A handler of the failure waits on it: received, whatever else carries it.
			this.completable.received(future);
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
	public void received(Object future) {
		events(future).received(future);
	}

	@Override
	public void combined(Object future) {
		events(future).combined(future);
	}

	@Override
	public void traceHandedOn(Object future, Object dependent) {
		// Looks the failed future's ids up itself: nothing is handed on without them.
		this.completable.handedOn(future, dependent);
	}

	@Override
	public void created(Object future, Object task) {
		events(future).created(future, task);
	}

	@Override
	public void made(Object future) {
		// The walk only where something is remembered, and before the capture only if
		// the application made it.
		if (this.completable.remembersMade()) {
			int maker = FutureMakers.madeByApplication();
			if (maker == FutureMakers.BY_APPLICATION) {
				this.completable.created(future, null);
			}
			else if (maker == FutureMakers.STAGE_OF_A_SUBCLASS) {
				// Its source is not known: the JDK's hook is in the JDK's own method.
				this.completable.stageMade(future, null);
			}
		}
	}

	@Override
	public void madeStage(Object stage, Object source) {
		// Only in a test, and the walk only there: the stage of a test's chain, whose own
		// function may fail on another thread, is the test's.
		if (this.completable.remembersStages() && FutureMakers.stageMadeByApplication()) {
			this.completable.stageMade(stage, source);
		}
	}

	@Override
	public void workerStarted(Object executor) {
		this.tasks.workerStarted(executor);
	}

	/**
	 * A {@code FutureTask} or a task of {@code CompletableFuture}, whose settling the
	 * hooks report, is watched until it is collected, unless it is periodic, settled or a
	 * wrapper's; a plain task only if it was surely discarded, since whether a caller
	 * runs it cannot be seen.
	 */
	@Override
	public void dropped(Object task, Object executor, boolean discarded) {
		boolean futureTask = task instanceof FutureTask<?>;
		boolean async = !futureTask && this.contents.isAsyncTask(task);
		if ((futureTask && this.futureTaskDrops) || (async && this.asyncDrops)) {
			if (this.contents.isPeriodicOrUnknown(task) || this.contents.settled(task)
					|| FutureEvents.isTracked(task)) {
				return;
			}
			Object userTask = this.contents.userTask(task);
			Object inner = futureTask ? asyncTaskInside(userTask) : null;
			if (inner != null) {
				// supplyAsync on a scheduled pool, which wraps the JDK's task in a future
				// of its own (maybe around Spring's error-handling task): the caller
				// holds the CompletableFuture, which cancelling the pool's future, as
				// Spring's shutdown does, leaves pending. The JDK's task is dropped.
				dropped(inner, executor, discarded);
				return;
			}
			if (FutureEvents.isTracked(userTask)) {
				return;
			}
			// Set before the task is watched: a task settling from then on is seen.
			FutureHooks.letGo = true;
			(futureTask ? this.tasks : this.completable).dropped(task, userTask, this.contents.futureOf(task), executor,
					this.settled);
		}
		else if (discarded && !futureTask && !async && !(task instanceof Future<?>)) {
			this.tasks.discarded(task, executor);
		}
	}

	/**
	 * Return the task of {@code CompletableFuture} a {@code FutureTask}'s task is, or
	 * holds inside an integration's task, or {@code null}.
	 */
	private Object asyncTaskInside(Object userTask) {
		if (!this.asyncDrops || userTask == null) {
			return null;
		}
		Object inner = this.contents.isAsyncTask(userTask) ? userTask : innermostSeen(userTask);
		return (inner != null && this.contents.isAsyncTask(inner)) ? inner : null;
	}

	@Override
	public void executedOnly(Object future) {
		if (this.futureTaskDrops) {
			this.contents.markExecutedOnly(future);
		}
	}

	@Override
	public boolean isLibrarysCode(String className) {
		return JdkCompleters.isLibrarysName(className);
	}

	@Override
	public boolean namesLibraries() {
		return JdkCompleters.namesLibraries();
	}

	@Override
	public boolean carriedByLibrary(Object source, Object stage, Throwable failure, Object function) {
		if (this.dependents == null || !(stage instanceof CompletableFuture) || isCancellation(failure)
				|| !JdkCompleters.isLibrarysName(function.getClass().getName())) {
			return false;
		}
		// Only on a future whose failure is the library's: one the application's code
		// failed or carried on stays the application's, whoever chains on it, even with
		// an exception the library made (relayed, or made born failed).
		if (!this.completable.isFailedByTheJdk(source)) {
			return false;
		}
		Class<?> completer = this.completable.jdksFailure(failure);
		if (completer == null || !JdkCompleters.isLibrarysName(completer.getName())) {
			return false;
		}
		this.completable.failedByTheJdk(stage, failure, completer);
		return true;
	}

	/**
	 * A pool whose class overrides {@code schedule(Runnable, long, TimeUnit)}, which
	 * {@code execute} calls, may keep the future it returns: its futures are not told
	 * apart.
	 */
	@Override
	public boolean isExecutedOnly(Object task, Object executor) {
		return this.futureTaskDrops && this.contents.isExecutedOnly(task) && executor != null
				&& !TaskContents.overridesSchedule(executor.getClass());
	}

	/**
	 * A plain task Spring's shutdown lets go of is reported at once, named after what its
	 * {@code TaskDecorator} decorated; a future it decorated is watched like a future
	 * handed back, and settles when Spring cancels it. So is the future a scheduled
	 * pool's {@code execute} made, which Spring cancels too, but which nobody else holds:
	 * reported at once, named after the plain task it runs (inside Spring's
	 * error-handling task), unless what it runs is or may hide a future somebody holds
	 * (the JDK's task behind {@code supplyAsync}, a future given to {@code execute}),
	 * which is watched as before (see {@link #dropped}).
	 */
	@Override
	public void letGo(Object task, Object executor) {
		Object original = this.decorated.original(task, executor);
		if (original == null) {
			// Whether it hides a future Spring cancels cannot be told.
			return;
		}
		if (original == task && isExecutedOnly(task, executor)) {
			executedOnlyLetGo(task, executor);
		}
		else if (original instanceof Future<?>) {
			dropped(original, executor, false);
		}
		else {
			this.tasks.discarded(task, original, executor);
		}
	}

	private void executedOnlyLetGo(Object task, Object executor) {
		if (this.contents.settled(task) || FutureEvents.isTracked(task)) {
			return;
		}
		Object plain = plainTaskInside(this.contents.userTask(task));
		if (plain != null) {
			this.tasks.discarded(task, plain, executor);
		}
		else {
			dropped(task, executor, false);
		}
	}

	/**
	 * Return the plain task a future runs, looking inside the tasks an integration knows
	 * and Spring's error-handling task, or {@code null} if it is, or may hide, a future
	 * (a task of {@code CompletableFuture}, a {@code FutureTask} or {@code ForkJoinTask}
	 * given to {@code execute}) or cannot be looked into.
	 */
	private Object plainTaskInside(Object userTask) {
		Object inner = innermostSeen(userTask);
		return (inner == null || inner instanceof Future<?> || this.contents.isAsyncTask(inner)
				|| TaskContents.isSpringErrorHandling(inner)) ? null : inner;
	}

	/**
	 * Return a task's innermost task as the integrations see it, and inside Spring's
	 * error-handling task without them (the agent alone); {@code null} if Spring's task
	 * cannot be read.
	 */
	private Object innermostSeen(Object task) {
		Object inner = this.tasks.innermost(task);
		for (int depth = 0; inner != null && TaskContents.isSpringErrorHandling(inner); depth++) {
			inner = (depth < 4) ? this.tasks.innermost(TaskContents.springDelegate(inner)) : null;
		}
		return inner;
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
