package io.github.leakedtasks.agent.bootstrap;

/**
 * Receives what {@link FutureHooks} sees; implemented by the engine in the agent's class
 * loader.
 *
 * @since 0.1.0
 */
public interface FutureSink {

	/**
	 * A future completed exceptionally.
	 * @param future the future
	 * @param failure the exception it completed with
	 * @param task what the future ran, or {@code null} if not known
	 */
	void failed(Object future, Throwable failure, Object task);

	/**
	 * A {@code CompletableFuture} was failed explicitly ({@code completeExceptionally},
	 * {@code obtrudeException}, {@code cancel}), maybe by the JDK's own code, or created
	 * failed ({@code failedFuture}, {@code failedStage}), maybe by a class initializer.
	 * @param future the future
	 * @param failure the exception it completed with
	 */
	default void failedExplicitly(Object future, Throwable failure) {
		failed(future, failure, null);
	}

	/**
	 * A {@code CompletableFuture}'s outcome is about to be replaced with a failure
	 * ({@code obtrudeException}, before it writes it).
	 * @param future the future
	 * @param failure the failure it will hold
	 * @param held the failure it holds, or {@code null} if it holds none
	 */
	default void obtruding(Object future, Throwable failure, Throwable held) {
	}

	/**
	 * A {@code CompletableFuture} was handed the failure of the future it depends on.
	 * @param future the future
	 * @param failure the failure handed on
	 */
	default void failureHandedOn(Object future, Throwable failure) {
		failed(future, failure, null);
	}

	/**
	 * A {@code whenComplete} stage was handed the failure of its source, which its action
	 * was handed before: the failure is delivered already.
	 * @param future the stage
	 * @param failure the failure handed on
	 */
	default void failureSeen(Object future, Throwable failure) {
		failureRelayed(future, failure, true);
	}

	/**
	 * A {@code CompletableFuture} was relayed the failure of the future it depends on
	 * ({@code completeRelay}).
	 * @param future the future
	 * @param failure the failure handed on
	 * @param toDependent whether a dependent or a waiter was on its stack before it
	 * completed: fired with that failure by whichever thread pops it, maybe before the
	 * failure is registered here
	 */
	default void failureRelayed(Object future, Throwable failure, boolean toDependent) {
		failureHandedOn(future, failure);
	}

	/**
	 * Return whether a {@code CompletableFuture}'s stack, from its head, holds a
	 * dependent or a waiter.
	 * @param stack the head of the stack
	 * @return whether it holds one
	 */
	default boolean hasDependent(Object stack) {
		return false;
	}

	/**
	 * A failed future's failure was retrieved or handed on.
	 * @param future the future
	 */
	void retrieved(Object future);

	/**
	 * A future's outcome, whatever it is, is handed to a combinator that may let go of
	 * it.
	 * @param future the future
	 */
	void observed(Object future);

	/**
	 * A failed future's failure was received by a reader (a method that threw it to its
	 * caller) or a handler ({@code handle}, {@code exceptionally}, a {@code whenComplete}
	 * action): through any stage that carries it, it was not lost.
	 * @param future the future
	 */
	default void received(Object future) {
		observed(future);
	}

	/**
	 * A future was taken by {@code allOf}, {@code anyOf} or an {@code either} stage,
	 * which read its result from its field: whatever it delivers is delivered to the
	 * combinator. Unlike {@link #observed}, called only from there, so that a wrapper's
	 * own future may count it as retrieved.
	 * @param future the future
	 */
	default void combined(Object future) {
		observed(future);
	}

	/**
	 * A future was created to run a task; called only while creations are traced.
	 * @param future the future
	 * @param task the task
	 */
	void created(Object future, Object task);

	/**
	 * A {@code CompletableFuture} was made with {@code new}, or born failed
	 * ({@code failedFuture}, {@code failedStage}), by whatever code; called only while
	 * such creations are traced (see {@link FutureHooks#tracingMade}).
	 * @param future the future
	 */
	default void made(Object future) {
	}

	/**
	 * A dependent stage of a {@code CompletableFuture} was made, by the JDK's
	 * {@code newIncompleteFuture}; called only while creations are traced (see
	 * {@link FutureHooks#tracingMade}).
	 * @param stage the stage, not yet added to its source
	 * @param source the future {@code newIncompleteFuture} was called on
	 */
	default void madeStage(Object stage, Object source) {
	}

	/**
	 * A failed future handed its failure to a dependent stage created on it after it
	 * failed: the dependent is in the failed future's trace.
	 * @param future the failed future
	 * @param dependent the dependent
	 */
	default void traceHandedOn(Object future, Object dependent) {
	}

	/**
	 * A thread starts working for a {@code ThreadPoolExecutor}.
	 * @param executor the executor
	 */
	void workerStarted(Object executor);

	/**
	 * An executor let go of a task it had not run.
	 * @param task the task
	 * @param executor the executor
	 * @param discarded whether a rejection policy surely discarded this very task, rather
	 * than handing it back to a caller or maybe discarding it
	 */
	void dropped(Object task, Object executor, boolean discarded);

	/**
	 * {@code ScheduledThreadPoolExecutor.execute} made a future nobody else is handed:
	 * mark it, without allocating or looking anything up.
	 * @param future the future {@code schedule} returned
	 */
	void executedOnly(Object future);

	/**
	 * Return whether a task an executor handed back is a future marked by
	 * {@link #executedOnly}, which only the executor held.
	 * @param task the task
	 * @param executor the executor
	 * @return whether only the executor held it
	 */
	boolean isExecutedOnly(Object task, Object executor);

	/**
	 * Return whether a class is the code of a library named in the agent's
	 * {@code library-packages}.
	 * @param className the class's name
	 * @return whether it is
	 */
	default boolean isLibrarysCode(String className) {
		return false;
	}

	/**
	 * A stage made on a future that had failed was failed at once with that failure,
	 * which it carries on without calling its function: if the function is the code of a
	 * library named in the agent's {@code library-packages} and the future's failure that
	 * library's own, the stage is the library's too, as it would be had it been pending
	 * when the future failed, and its failure is noted as such.
	 * @param source the future the stage was made on
	 * @param stage the stage
	 * @param failure its failure
	 * @param function its function
	 * @return whether the stage is the library's: its failure is noted, and needs no
	 * other report
	 */
	default boolean carriedByLibrary(Object source, Object stage, Throwable failure, Object function) {
		return false;
	}

	/**
	 * Return whether the agent's {@code library-packages} names any library.
	 * @return whether it does
	 */
	default boolean namesLibraries() {
		return false;
	}

	/**
	 * {@code shutdownNow} handed a plain task, or a future nobody else was handed (see
	 * {@link #executedOnly}), back to Spring's
	 * {@code ExecutorConfigurationSupport.shutdown()}, which cancels the futures it gets
	 * back and runs nothing: a task its {@code TaskDecorator} decorated may hide a
	 * future.
	 * @param task the task
	 * @param executor the executor
	 */
	void letGo(Object task, Object executor);

	/**
	 * A task that may have been let go of is run or cancelled.
	 * @param task the task
	 */
	void left(Object task);

	/**
	 * A plain task a {@code ThreadPoolExecutor} ran threw, on one of its workers.
	 * @param task the task
	 * @param failure what it threw
	 * @param executor the executor
	 */
	void uncaught(Object task, Throwable failure, Object executor);

	/**
	 * Return whether a worker's executor is watched for overdue tasks; if it is, the
	 * worker's slot is read from then on.
	 * @param slot the worker's slot
	 * @return whether the executor is watched
	 */
	boolean watches(WorkerSlot slot);

	/**
	 * Something other than a worker takes tasks out of a {@code ThreadPoolExecutor}'s
	 * queue: its {@code remove}, {@code purge} or {@code DiscardOldestPolicy}, said
	 * before and after. Called only once some executor is watched.
	 * @param executor the executor
	 * @param done whether the edit is over
	 */
	void queueEdited(Object executor, boolean done);

}
