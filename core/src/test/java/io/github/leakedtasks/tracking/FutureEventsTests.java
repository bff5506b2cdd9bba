package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletionException;
import java.util.concurrent.Executors;
import java.util.concurrent.FutureTask;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalStateException;
import static org.assertj.core.api.Assertions.catchThrowable;
import static org.assertj.core.api.Assertions.tuple;
import static org.awaitility.Awaitility.await;

/**
 * Futures the engine did not create, followed through {@link FutureEvents}.
 */
class FutureEventsTests {

	private final TaskTracker tracker = TaskTracker.create(
			TrackingSettings.builder().traceMode(CreationTraceMode.ALWAYS).gracePeriod(Duration.ofMinutes(1)).build());

	private final RecordingListener listener = new RecordingListener();

	private final FutureEvents events = new FutureEvents(this.tracker, "agent");

	FutureEventsTests() {
		this.tracker.addListener(this.listener);
	}

	@AfterEach
	void close() {
		this.tracker.close();
	}

	@Test
	void overdueTaskOfAWrapperInsideTheJdksIsLeftToTheWrappersRecord() {
		// Under the agent, a watched pool that a wrapper also tracks sees the wrapper's
		// task inside the JDK's: a TrackedTask in a FutureTask, or callAsync's supplier,
		// maybe inside an integration's own task (an @Async call's). The wrapper's
		// record is listed instead; the pool's other tasks are described.
		this.tracker.lookInsideTasks((task) -> (task instanceof IntegrationTask wrapper) ? wrapper.inner() : null);
		ExecutorTracking wrapper = this.tracker.executor("wrapper");
		Callable<String> own = new OwnTask();
		TrackedTask<String> young = new TrackedTask<>(wrapper, own, TrackedTask.FUTURE);
		assertThat(overdue(young)).isNull();
		assertThat(overdue(new IntegrationTask(young))).isNull();
		assertThat(overdue(new CallingTask<>(wrapper, own))).isNull();
		List<TrackedTask<?>> handed = new ArrayList<>();
		List<FutureTask<String>> queued = new ArrayList<>();
		wrapper.submit(own, "Named", (tracked) -> {
			handed.add((TrackedTask<?>) tracked);
			queued.add(new FutureTask<>(tracked));
			return queued.get(0);
		});
		assertThat(queued).hasSize(1);
		try {
			assertThat(overdue(handed.get(0))).isNull();
		}
		finally {
			queued.get(0).run();
		}
		// Finished, while what runs it has not (Spring's @Async task waiting for the
		// Future the method returned): described with what the wrapper knows, under the
		// pool's name.
		assertThat(overdue(new IntegrationTask(handed.get(0)))).satisfies((overdue) -> {
			assertThat(overdue.executor()).isNotEqualTo("wrapper");
			assertThat(overdue.task()).isEqualTo("Named");
			assertThat(overdue.creationTrace()).isNotNull();
		});
		assertThat(overdue(new IntegrationTask(own))).satisfies((overdue) -> {
			assertThat(overdue.executor()).isNotEqualTo("wrapper");
			assertThat(overdue.task()).isEqualTo(OwnTask.class.getName());
			assertThat(overdue.runningThread()).isEqualTo(Thread.currentThread().getName());
		});
	}

	@Test
	void wrappersTaskInsideAnIntegrationsTaskIsLeftToTheWrapper() {
		// A wrapped Spring scheduler hands the JDK the wrapper's task inside its own
		// error-handling task: its failure, drop or uncaught exception is the wrapper's
		// to report, not the source's too.
		this.tracker.lookInsideTasks((task) -> (task instanceof IntegrationTask wrapper) ? wrapper.inner() : null);
		ExecutorTracking wrapper = this.tracker.executor("wrapper");
		TrackedTask<String> tracked = new TrackedTask<>(wrapper, new OwnTask(), TrackedTask.FUTURE);
		// The wrapper saw it fail.
		tracked.mark(TaskRecord.FAILED);
		IntegrationTask wrapped = new IntegrationTask(tracked);
		Object failed = new Object();
		this.events.failed(failed, new IllegalStateException("wrapper's failure"), "pool", wrapped);
		assertThat(this.tracker.states().watches()).isEmpty();
		this.events.dropped(new Object(), wrapped, null, "pool", (task) -> false);
		assertThat(this.tracker.states().nothingLetGo()).isTrue();
		this.events.discarded(wrapped, "pool");
		this.events.uncaught(wrapped, new IllegalStateException("wrapper's uncaught"), "pool");
		// Inside the source's own task, inside the integration's: a drop is the
		// wrapper's too (Spring's task around the JDK's task behind a wrapper's
		// submitCompletable, handed back by a wrapped scheduler's pool).
		this.events.lookInsideTasks((task) -> (task instanceof SourceTask own) ? own.inner() : null);
		IntegrationTask deeper = new IntegrationTask(new SourceTask(wrapped));
		this.events.dropped(new Object(), deeper, null, "pool", (task) -> false);
		this.events.dropped(deeper, null, null, "pool", (task) -> false);
		this.events.discarded(deeper, "pool");
		assertThat(this.tracker.states().watches()).isEmpty();
		assertThat(this.tracker.states().nothingLetGo()).isTrue();
		// A failure around the source's task, which catches what its task throws, is
		// never that task's: the source's.
		this.events.failed(new Object(), new IllegalStateException("around the source's task"), "pool", deeper);
		this.events.uncaught(deeper, new IllegalStateException("thrown around the source's task"), "pool");
		IntegrationTask plain = new IntegrationTask(new SourceTask(new OwnTask()));
		this.events.uncaught(plain, new IllegalStateException("control uncaught"), "pool");
		this.events.failed(new Object(), new IllegalStateException("control"), "pool", plain);
		this.events.dropped(new Object(), plain, null, "pool", (task) -> false);
		awaitReports(3);
		assertThat(this.listener.leaks)
			.extracting((report) -> report.kind()
					+ ((report.exception() != null) ? ": " + report.exception().getMessage() : ""))
			.containsExactlyInAnyOrder(LeakKind.EXCEPTION_NOT_RETRIEVED + ": around the source's task",
					LeakKind.EXCEPTION_NOT_RETRIEVED + ": control", LeakKind.DROPPED_WHILE_PENDING.toString());
		assertThat(this.listener.uncaught).extracting((report) -> report.exception().getMessage())
			.containsExactlyInAnyOrder("thrown around the source's task", "control uncaught");
		assertThat(failed).isNotNull();
	}

	@Test
	void wrappersTaskTheWrapperGaveUpOnOrThatCannotBeLookedIntoIsTheSources() {
		ExecutorTracking wrapper = this.tracker.executor("wrapper");
		TrackedTask<String> untracked = new TrackedTask<>(wrapper, new OwnTask(), TrackedTask.FUTURE);
		// No view could stand for its executor's future: the wrapper does not watch it.
		untracked.mark(TaskRecord.UNTRACKED);
		Object future = new Object();
		this.events.failed(future, new IllegalStateException("given up"), "pool", untracked);
		assertThat(this.tracker.states().watches()).hasSize(1);
		// Its drop is still the wrapper's: its record notices that.
		this.events.dropped(new Object(), untracked, null, "pool", (task) -> false);
		assertThat(this.tracker.states().nothingLetGo()).isTrue();
		this.tracker.lookInsideTasks((task) -> {
			throw new NoClassDefFoundError("looked into");
		});
		Object other = new Object();
		this.events.failed(other, new IllegalStateException("not looked into"), "pool",
				new IntegrationTask(new TrackedTask<>(wrapper, new OwnTask(), TrackedTask.FUTURE)));
		// Reported twice rather than never, and nothing thrown.
		assertThat(this.tracker.states().watches()).hasSize(2);
		// A drop the same, when the source's own task cannot be looked into.
		this.events.lookInsideTasks((task) -> {
			throw new IllegalStateException("source's task not looked into");
		});
		assertThat(this.tracker.states().nothingLetGo()).isTrue();
		Object handedBack = new Object();
		this.events.dropped(handedBack, new SourceTask(new TrackedTask<>(wrapper, new OwnTask(), TrackedTask.FUTURE)),
				null, "pool", (task) -> false);
		assertThat(this.tracker.states().nothingLetGo()).isFalse();
		assertThat(handedBack).isNotNull();
		assertThat(future).isNotNull();
		assertThat(other).isNotNull();
	}

	@Test
	void failureAroundAWrappersTaskThatDidNotFailIsTheSources() {
		// Spring's @Async task around the starter's: the method returned a Future that
		// failed later, which Spring's task hands on as its own failure.
		this.tracker.lookInsideTasks((task) -> (task instanceof IntegrationTask wrapper) ? wrapper.inner() : null);
		ExecutorTracking wrapper = this.tracker.executor("wrapper");
		TrackedTask<String> succeeded = new TrackedTask<>(wrapper, new OwnTask(), TrackedTask.FUTURE);
		Throwable trace = CreationTrace.capture();
		succeeded.trace(trace);
		Object failed = new Object();
		this.events.failed(failed, new IllegalStateException("later"), "pool", new IntegrationTask(succeeded));
		// Described with what the wrapper knows of it.
		assertThat(this.tracker.states().watches()).singleElement().satisfies((watch) -> {
			assertThat(watch.record.taskType).isEqualTo(OwnTask.class.getName());
			assertThat(watch.record.trace).isSameAs(trace);
			assertThat(watch.record.threadName).isEqualTo(Thread.currentThread().getName());
		});
		assertThat(failed).isNotNull();
	}

	@Test
	void failureTheSourceTakesFromAWrappersTaskOfATestsScopeIsTheScopes() {
		this.tracker.lookInsideTasks((task) -> (task instanceof IntegrationTask wrapper) ? wrapper.inner() : null);
		ExecutorTracking wrapper = this.tracker.executor("wrapper");
		TrackedTask<Object> call;
		TaskScope scope = TaskScope.open("test");
		try {
			call = wrapper.newTask("Service.call", true);
		}
		finally {
			scope.close();
		}
		// Held: collected, its watch would be decided at once.
		Object failed = new Object();
		this.events.failed(failed, new IllegalStateException("later"), "pool", new IntegrationTask(call));
		assertThat(this.tracker.states().watches()).singleElement()
			.satisfies((watch) -> assertThat(watch.record.scope).isSameAs(scope));
		assertThat(failed).isNotNull();
	}

	/**
	 * A future the application made itself, remembered where it was made ({@code always}
	 * mode), is the scope's it was made in; made outside any scope, it is the scope's it
	 * fails in, as a future whose creation nobody saw.
	 */
	@Test
	void futureMadeByHandIsTheScopesItWasMadeInOrElseTheScopesItFailsIn() {
		Object madeBefore = new CompletableFuture<>();
		this.events.created(madeBefore, null);
		Object madeOutside = new CompletableFuture<>();
		this.events.created(madeOutside, null);
		TaskScope first = TaskScope.open("first");
		Object madeInFirst = new CompletableFuture<>();
		try {
			this.events.created(madeInFirst, null);
			this.events.failed(madeBefore, new IllegalStateException("made before, failed in the first"));
		}
		finally {
			first.close();
		}
		TaskScope second = TaskScope.open("second");
		try {
			this.events.failed(madeInFirst, new IllegalStateException("made in the first, failed in the second"));
		}
		finally {
			second.close();
		}
		this.events.failed(madeOutside, new IllegalStateException("made and failed outside"));
		assertThat(this.tracker.states().watches()).hasSize(3).allSatisfy((watch) -> {
			String message = watch.record.failure.getMessage();
			assertThat(watch.record.scope).as(message)
				.isSameAs(message.startsWith("made and failed outside") ? null : first);
			assertThat(watch.record.trace).as(message).isNotNull();
		});
		assertThat(List.of(madeBefore, madeOutside, madeInFirst)).hasSize(3);
	}

	@Test
	void uncaughtFailureOfAnIntegrationsTaskLeavesNoMarkOnTheException() {
		// A void @Async method's failure goes to Spring's handler: no source sees it
		// next on this thread.
		ExecutorTracking wrapper = this.tracker.executor("wrapper");
		IllegalStateException shared = new IllegalStateException("shared");
		TrackedTask<Object> call = wrapper.newTask("Service.call", false);
		assertThatIllegalStateException().isThrownBy(() -> call.invoke(() -> {
			throw shared;
		}));
		assertThat(this.listener.uncaught).hasSize(1);
		this.events.uncaught(new OwnTask(), shared, "pool");
		assertThat(this.listener.uncaught).extracting(UncaughtReport::task)
			.containsExactly("Service.call", OwnTask.class.getName());
	}

	@Test
	void failureOfAWrappersTaskInAFutureNoViewCanStandForIsTheSources() {
		// The wrapper gives up on such a future once submit returns, maybe after the task
		// failed: the source does not wait for that to decide.
		ExecutorTracking wrapper = this.tracker.executor("wrapper");
		TrackedTask<String> inOwnFuture = new TrackedTask<>(wrapper, new OwnTask(), TrackedTask.FUTURE);
		inOwnFuture.mark(TaskRecord.FAILED);
		ComparableFutureTask ownFuture = new ComparableFutureTask(inOwnFuture);
		this.events.failed(ownFuture, new IllegalStateException("own future"), "pool", inOwnFuture);
		assertThat(this.tracker.states().watches()).hasSize(1);
		// A task given to execute() has no future to give up on: its uncaught failure is
		// the wrapper's, whatever runs it.
		TrackedTask<Object> executed = new TrackedTask<>(wrapper, (Runnable) () -> {
		}, TrackedTask.EXECUTE);
		this.events.failed(new ComparableFutureTask(Executors.callable(executed, "done")),
				new IllegalStateException("executed"), "pool", executed);
		assertThat(this.tracker.states().watches()).hasSize(1);
		// In the JDK's FutureTask, a view stands for it: the wrapper's.
		TrackedTask<String> inFutureTask = new TrackedTask<>(wrapper, new OwnTask(), TrackedTask.FUTURE);
		inFutureTask.mark(TaskRecord.FAILED);
		this.events.failed(new FutureTask<>(inFutureTask), new IllegalStateException("FutureTask"), "pool",
				inFutureTask);
		assertThat(this.tracker.states().watches()).hasSize(1);
		assertThat((Object) ownFuture).isNotNull();
	}

	/**
	 * A future of an executor's own (a priority executor's), with an interface no view
	 * implements.
	 */
	static final class ComparableFutureTask extends FutureTask<String> implements Comparable<ComparableFutureTask> {

		ComparableFutureTask(Callable<String> callable) {
			super(callable);
		}

		@Override
		public int compareTo(ComparableFutureTask other) {
			return 0;
		}

	}

	/**
	 * A wrapper's task given to {@code execute} that threw: the wrapper reported it as
	 * uncaught. Integrations' tasks are looked inside.
	 */
	private TrackedTask<Object> wrappersExecuteTaskThatThrew(RuntimeException failure) {
		this.tracker.lookInsideTasks((task) -> (task instanceof IntegrationTask wrapper) ? wrapper.inner() : null);
		TrackedTask<Object> executed = new TrackedTask<>(this.tracker.executor("wrapper"), (Runnable) () -> {
			throw failure;
		}, TrackedTask.EXECUTE);
		assertThatIllegalStateException().isThrownBy(executed::run);
		return executed;
	}

	@Test
	void uncaughtFailureTheWrapperReportedIsReportedAgainWhenAPlainTaskThrowsIt() {
		IllegalStateException shared = new IllegalStateException("shared");
		TrackedTask<Object> executed = wrappersExecuteTaskThatThrew(shared);
		// The worker hands the integration's task, and the failure, to the source.
		this.events.uncaught(new IntegrationTask(executed), shared, "pool");
		assertThat(this.listener.uncaught).hasSize(1);
		// The mark the wrapper left is spent: a plain task that throws it is reported.
		this.events.uncaught(new OwnTask(), shared, "pool");
		assertThat(this.listener.uncaught).extracting(UncaughtReport::task)
			.hasSize(2)
			.last()
			.isEqualTo(OwnTask.class.getName());
	}

	@Test
	void uncaughtFailureTheWrapperReportedThatEndsInTheJdksFutureIsReportedAgainWhenAPlainTaskThrowsIt() {
		// A wrapped Spring scheduler's execute: the wrapper's task inside Spring's,
		// inside the JDK's FutureTask, which takes the exception as its failure.
		IllegalStateException shared = new IllegalStateException("shared");
		TrackedTask<Object> executed = wrappersExecuteTaskThatThrew(shared);
		assertThat(this.listener.uncaught).hasSize(1);
		this.events.failed(new Object(), shared, "pool", new IntegrationTask(executed));
		assertThat(this.tracker.states().watches()).isEmpty();
		// The mark the wrapper left is spent: a plain task that throws it is reported.
		this.events.uncaught(new OwnTask(), shared, "pool");
		assertThat(this.listener.uncaught).extracting(UncaughtReport::task)
			.hasSize(2)
			.last()
			.isEqualTo(OwnTask.class.getName());
	}

	private OverdueTask overdue(Object task) {
		return this.events.overdueTask("pool", task, null, OverdueTask.State.RUNNING, Duration.ofSeconds(5).toNanos(),
				Thread.currentThread());
	}

	@Test
	void failureOfFutureCollectedUnreadIsReported() {
		failIgnored(new IllegalStateException("lost"));
		awaitReports(1);
		LeakReport report = this.listener.leaks.get(0);
		assertThat(report.kind()).isEqualTo(LeakKind.EXCEPTION_NOT_RETRIEVED);
		assertThat(report.executor()).isEqualTo("agent");
		assertThat(report.exception()).hasMessage("lost");
	}

	@Test
	void wrappedFailureIsReportedUnwrapped() {
		failIgnored(new CompletionException(new IllegalStateException("inner")));
		awaitReports(1);
		assertThat(this.listener.leaks.get(0).exception()).isInstanceOf(IllegalStateException.class);
	}

	@Test
	void retrievedFailureIsNotReported() {
		failRetrieved("retrieved");
		failIgnored(new IllegalStateException("control"));
		awaitReports(1);
		assertThat(this.listener.leaks).extracting((report) -> report.exception().getMessage())
			.containsExactly("control");
	}

	@Test
	void failureObservedBeforeItIsReportedIsNotReported() {
		Object future = new Object();
		this.events.observed(future);
		this.events.failed(future, new IllegalStateException("handed on"));
		future = null;
		failIgnored(new IllegalStateException("control"));
		awaitReports(1);
		assertThat(this.listener.leaks).extracting((report) -> report.exception().getMessage())
			.containsExactly("control");
	}

	@Test
	void cancellationIsNotAFailure() {
		failIgnored(new CancellationException());
		failIgnored(new CompletionException(new CancellationException()));
		failIgnored(new IllegalStateException("control"));
		awaitReports(1);
		assertThat(this.listener.leaks).extracting((report) -> report.exception().getMessage())
			.containsExactly("control");
	}

	@Test
	void creationTraceAndTaskTypeAreThoseOfTheCreation() {
		createdThenFailedIgnored();
		awaitReports(1);
		LeakReport report = this.listener.leaks.get(0);
		assertThat(report.task()).isEqualTo(Thread.class.getName());
		assertThat(report.thread()).isEqualTo(Thread.currentThread().getName());
		assertThat(report.creationTrace().frames()).extracting(StackTraceElement::getMethodName)
			.contains("createdThenFailedIgnored");
	}

	/**
	 * A stage handed its source's failure is reported as its source's task would be,
	 * whichever thread completed it: the caller's when the source had failed before the
	 * stage was made, a worker of another executor, or one no executor is known for.
	 */
	@Test
	void stageHandedItsSourcesFailureIsReportedAsItsSourcesTask() {
		Object orders = new Object();
		this.tracker.nameExecutor(orders, "orders");
		handOnToAStageThatFails(orders, false);
		awaitReports(1);
		assertThat(this.listener.leaks).singleElement().satisfies((report) -> {
			assertThat(report.exception()).hasMessage("source");
			assertThat(report.executor()).isEqualTo("orders");
			assertThat(report.task()).isEqualTo(Thread.class.getName());
			assertThat(report.thread()).isEqualTo(Thread.currentThread().getName());
			assertThat(report.creationTrace().frames()).extracting(StackTraceElement::getMethodName)
				.contains("handOnToAStageThatFails");
		});
	}

	/**
	 * A stage whose hook saw the failure before its source's hook registered the source
	 * (a stage made on a future that had just failed on another thread, whose hook had
	 * yet to run) is reported as its source's task too, once the source's record is
	 * found: not as a task of no executor, type or trace.
	 */
	@ParameterizedTest
	@ValueSource(booleans = { true, false })
	void stageWhoseHookRanBeforeItsSourcesIsReportedAsItsSourcesTask(boolean toldFirst) {
		Object orders = new Object();
		this.tracker.nameExecutor(orders, "orders");
		handOnBeforeTheSourcesHook(orders, toldFirst);
		awaitReports(1);
		assertReportedAsTheSourcesTask("handOnBeforeTheSourcesHook");
		assertThat(this.listener.leaks.get(0).thread()).isEqualTo(Thread.currentThread().getName());
	}

	/**
	 * A failure of no remembered creation is named after the task the source tells failed
	 * it on the thread that notes it, and after the future's class if the source tells
	 * none; the end of a chain it is handed on to is named as it is.
	 */
	@Test
	void failureOfNoRememberedCreationIsNamedAfterTheTaskThatFailedIt() {
		failNamedAndUnnamed();
		awaitReports(2);
		assertThat(this.listener.leaks).extracting((report) -> report.exception().getMessage(), LeakReport::task)
			.containsExactlyInAnyOrder(tuple("named", Thread.class.getName()),
					tuple("unnamed", Object.class.getName()));
	}

	/**
	 * Fail a future the source names, which hands its failure on to a stage, and one it
	 * does not name: all unreachable once this returns.
	 */
	private void failNamedAndUnnamed() {
		Object named = new Object();
		Object stage = new Object();
		this.events.nameFailuresBy((future) -> (future == named) ? new Thread() : null);
		IllegalStateException handed = new IllegalStateException("named");
		this.events.failedAndDelivered(named, handed, null, List.of(stage), Map.of());
		this.events.failedHandedOn(stage, new CompletionException(handed), null, null, null);
		this.events.failed(new Object(), new IllegalStateException("unnamed"), null);
	}

	/**
	 * The end of a chain of two stages made at once on a future that had just failed on
	 * another thread (the caller's hooks of both stages ran before the failing thread's
	 * registered the source) is reported as the source's task too: not as a task of no
	 * executor, type or trace copied from the first stage before that stage was linked.
	 */
	@Test
	void endOfAChainWhoseHooksRanBeforeItsSourcesIsReportedAsItsSourcesTask() {
		Object orders = new Object();
		this.tracker.nameExecutor(orders, "orders");
		handOnTwoStagesBeforeTheSourcesHook(orders);
		awaitReports(1);
		assertReportedAsTheSourcesTask("handOnTwoStagesBeforeTheSourcesHook");
		assertThat(this.listener.leaks.get(0).thread()).isEqualTo(Thread.currentThread().getName());
	}

	/**
	 * A stage whose handler of the failure threw an exception of its own is not the
	 * source's failure: it is described by itself, as before the source handed anything
	 * on.
	 */
	@Test
	void stageWhoseHandlerThrewIsNotReportedAsItsSourcesTask() {
		Object orders = new Object();
		this.tracker.nameExecutor(orders, "orders");
		handOnToAStageThatFails(orders, true);
		awaitReports(1);
		assertThat(this.listener.leaks).singleElement().satisfies((report) -> {
			assertThat(report.exception()).hasMessage("handler");
			assertThat(report.executor()).isEqualTo("agent");
			assertThat(report.task()).isEqualTo(Object.class.getName());
			assertThat(report.thread()).isEqualTo("(unknown)");
		});
	}

	/**
	 * A failure handed on to two stages and received through one of them (a reader, a
	 * handler) was not lost: the other stage, dropped, carries the same failure and is
	 * not reported, whichever order the hooks saw it in.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "sourceFirst", "stagesFirst", "receivedFirst" })
	void failureReceivedThroughOneStageIsNotReportedForAnotherThatCarriesIt(String order) {
		handOnToTwoStages("received " + order, order, true);
		failIgnored(new IllegalStateException("control"));
		awaitReports(1);
		assertThat(this.listener.leaks).extracting((report) -> report.exception().getMessage())
			.containsExactly("control");
	}

	/**
	 * Nobody received a failure handed on to two stages, both dropped: it is reported, as
	 * its source's task.
	 */
	@ParameterizedTest
	@ValueSource(strings = { "sourceFirst", "stagesFirst" })
	void failureNobodyReceivedIsReportedThroughTheStagesThatCarryIt(String order) {
		handOnToTwoStages("lost " + order, order, false);
		awaitReports(1);
		assertThat(this.listener.leaks).isNotEmpty()
			.allSatisfy((report) -> assertThat(report.exception()).hasMessage("lost " + order));
	}

	/**
	 * A shared exception that failed two futures, one of them read, is still lost through
	 * the other: only stages it was handed on to share a receipt.
	 */
	@Test
	void sharedExceptionReadThroughOneFutureIsReportedThroughAnother() {
		IllegalStateException shared = new IllegalStateException("shared");
		Object read = new Object();
		this.events.failed(read, shared);
		this.events.received(read);
		this.events.failed(new Object(), shared);
		awaitReports(1);
		assertThat(this.listener.leaks).singleElement()
			.satisfies((report) -> assertThat(report.exception()).isSameAs(shared));
	}

	/**
	 * Fail a source and two stages it hands its failure to, in the order the hooks of
	 * different threads may see them: the source's hook first, or the stages' first (made
	 * and fired by another thread as soon as the failure was written), one stage told its
	 * source, the other not; then maybe receive the failure through the first stage, or,
	 * for {@code receivedFirst}, before the source's hook ran.
	 */
	private void handOnToTwoStages(String message, String order, boolean received) {
		Object source = new Object();
		IllegalStateException failure = new IllegalStateException(message);
		Object first = new Object();
		Object second = new Object();
		this.events.created(source, new Thread());
		if (order.equals("sourceFirst")) {
			this.events.failedAndDelivered(source, failure, null, List.of(first, second), Map.of());
			this.events.failedHandedOn(first, new CompletionException(failure), null, null, null);
			this.events.failedHandedOn(second, new CompletionException(failure), null, null, null);
			if (received) {
				this.events.received(first);
			}
			return;
		}
		this.events.handedOn(source, first);
		this.events.failedHandedOn(first, new CompletionException(failure), null, null, null);
		this.events.failedHandedOn(second, new CompletionException(failure), null, null, null);
		if (received && order.equals("receivedFirst")) {
			this.events.received(first);
		}
		this.events.failed(source, failure, null);
		this.events.retrieved(source);
		if (received && !order.equals("receivedFirst")) {
			this.events.received(first);
		}
	}

	/**
	 * A failure delivered at once to the stages it is handed to is not watched; its scope
	 * waits for each stage that completes now until that stage's failure is watched, and
	 * for one that also waits for a second input only once that input is done.
	 */
	@Test
	void scopeWaitsForTheStagesAFailureIsHandedToOnceTheyAreDue() {
		CompletableFuture<String> source = new CompletableFuture<>();
		CompletableFuture<String> due = new CompletableFuture<>();
		CompletableFuture<String> awaiting = new CompletableFuture<>();
		CompletableFuture<String> second = new CompletableFuture<>();
		IllegalStateException failure = new IllegalStateException("source");
		TaskScope scope = TaskScope.open("test");
		try {
			this.events.created(source, new Thread());
		}
		finally {
			scope.close();
		}
		source.completeExceptionally(failure);
		this.events.failedAndDelivered(source, failure, null, List.of(due), Map.of(awaiting, second));
		assertThat(scope.awaitTasks(Duration.ZERO)).isFalse();
		due.completeExceptionally(failure);
		this.events.failed(due, failure, null);
		// The stage of both waits for its second input: not waited for.
		assertThat(scope.awaitTasks(Duration.ZERO)).isTrue();
		second.complete("second");
		assertThat(scope.awaitTasks(Duration.ZERO)).isFalse();
		awaiting.completeExceptionally(failure);
		this.events.failed(awaiting, failure, null);
		assertThat(scope.awaitTasks(Duration.ZERO)).isTrue();
		assertThat(scope.tasks().polls()).isZero();
		assertThat(scope.takeLeaks()).hasSize(2).allSatisfy((leak) -> assertThat(leak.exception()).isSameAs(failure));
		// Read, for an agent attached to this JVM.
		assertThat(catchThrowable(source::join)).hasCause(failure);
		assertThat(catchThrowable(due::join)).hasCause(failure);
		assertThat(catchThrowable(awaiting::join)).hasCause(failure);
	}

	/**
	 * Fail a stage before its source's hook registers the source: told its source before
	 * it fails, or once the source is registered.
	 */
	private void handOnBeforeTheSourcesHook(Object executor, boolean toldFirst) {
		Object source = new Object();
		IllegalStateException failure = new IllegalStateException("source");
		this.events.created(source, new Thread());
		Object stage = new Object();
		if (toldFirst) {
			this.events.handedOn(source, stage);
			this.events.failed(stage, new CompletionException(failure), null);
			this.events.failed(source, failure, executor);
		}
		else {
			this.events.failedHandedOn(stage, new CompletionException(failure), null, null, null);
			this.events.failed(source, failure, executor);
			this.events.handedOn(source, stage);
		}
		this.events.retrieved(source);
	}

	/**
	 * The end of a chain whose first stage another thread fired before the source's hook
	 * ran (that thread's hooks of both stages first), the source's hook then handing its
	 * failure on to the first stage: reported as the source's task, as its first stage is
	 * described once linked, though it copied that stage before.
	 */
	@Test
	void endOfAChainCopiedBeforeItsFirstStageWasLinkedIsReportedAsItsSourcesTask() {
		Object orders = new Object();
		this.tracker.nameExecutor(orders, "orders");
		handOnTwoStagesFiredByAnotherThread(orders);
		awaitReports(1);
		assertReportedAsTheSourcesTask("handOnTwoStagesFiredByAnotherThread");
	}

	/**
	 * Fail a source's two stages, one on the other, as a thread that fired them from the
	 * source's stack before the source's hook ran sees them, then the source, whose hook
	 * read the first stage from its stack.
	 */
	private void handOnTwoStagesFiredByAnotherThread(Object executor) {
		Object source = new Object();
		IllegalStateException failure = new IllegalStateException("source");
		this.events.created(source, new Thread());
		Object first = new Object();
		Object second = new Object();
		this.events.failedHandedOn(first, new CompletionException(failure), null, List.of(second), Map.of());
		this.events.failedHandedOn(second, new CompletionException(failure), null, null, null);
		this.events.failedAndDelivered(source, failure, executor, List.of(first), Map.of());
	}

	/**
	 * Make two stages, one on the other, on a source that failed, each failed at once
	 * with the source's failure by the thread that made it, before the source's hook
	 * registers the source, in the order the agent's hooks of that thread see them.
	 */
	private void handOnTwoStagesBeforeTheSourcesHook(Object executor) {
		Object source = new Object();
		IllegalStateException failure = new IllegalStateException("source");
		CompletionException handed = new CompletionException(failure);
		this.events.created(source, new Thread());
		Object first = new Object();
		Object second = new Object();
		this.events.observed(source);
		this.events.handedOn(source, first);
		this.events.failed(first, handed, null);
		this.events.observed(first);
		this.events.handedOn(first, second);
		this.events.failed(second, handed, null);
		this.events.failed(source, failure, executor);
		this.events.retrieved(source);
	}

	private void handOnToAStageThatFails(Object executor, boolean handlerThrows) {
		Object source = new Object();
		IllegalStateException failure = new IllegalStateException("source");
		this.events.created(source, new Thread());
		this.events.failed(source, failure, executor);
		Object stage = new Object();
		this.events.handedOn(source, stage);
		this.events.retrieved(source);
		// Completed on a thread of no known executor.
		this.events.failed(stage,
				handlerThrows ? new IllegalArgumentException("handler") : new CompletionException(failure), null);
	}

	@Test
	void sampledModeTracesTheFirstTasksOfEachTypeOnly() {
		TaskTracker sampled = TaskTracker.create(TrackingSettings.builder()
			.traceMode(CreationTraceMode.SAMPLED)
			.tracedTasksPerType(2)
			.sampleRate(1)
			.gracePeriod(Duration.ofMinutes(1))
			.build());
		RecordingListener leaks = new RecordingListener();
		sampled.addListener(leaks);
		try {
			FutureEvents source = new FutureEvents(sampled, "agent");
			assertThat(source.tracesCreation()).isTrue();
			for (int i = 0; i < 5; i++) {
				createdThenFailedIgnored(source, new Thread());
			}
			createdThenFailedIgnored(source, "another type");
			await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
				System.gc();
				assertThat(leaks.leaks).hasSize(6);
			});
			// A sample rate of 1 would trace every task: it is left out.
			assertThat(leaks.leaks).filteredOn((report) -> report.creationTrace() != null)
				.extracting(LeakReport::task)
				.containsExactlyInAnyOrder(Thread.class.getName(), Thread.class.getName(), String.class.getName());
		}
		finally {
			sampled.close();
		}
	}

	@Test
	void noCreationIsTracedWhenNoTaskOfATypeIs() {
		TaskTracker untraced = TaskTracker.create(TrackingSettings.builder().tracedTasksPerType(0).build());
		try {
			assertThat(new FutureEvents(untraced, "agent").tracesCreation()).isFalse();
		}
		finally {
			untraced.close();
		}
		TaskTracker off = TaskTracker.create(TrackingSettings.builder().traceMode(CreationTraceMode.OFF).build());
		try {
			assertThat(new FutureEvents(off, "agent").tracesCreation()).isFalse();
		}
		finally {
			off.close();
		}
	}

	@Test
	void failureTheJdkMadeIsCountedAndNotReportedAndKnownWhenHandedOn() {
		IllegalStateException made = new IllegalStateException("the JDK's");
		this.events.failedByTheJdk(new Object(), made, String.class);
		this.events.failedByTheJdk(new Object(), new CompletionException(new CancellationException()), String.class);
		// An application's failure, unretrieved, reported once collected: by then the
		// JDK's would have been too.
		failIgnored(new IllegalStateException("the application's"));
		awaitReports(1);
		assertThat(this.listener.leaks).extracting((report) -> report.exception().getMessage())
			.containsExactly("the application's");
		// Cancellations are never watched, nor counted.
		assertThat(this.tracker.summary().jdkOwnFailures()).isOne();
		assertThat(this.events.jdksFailure(made)).isEqualTo(String.class);
		assertThat(this.events.jdksFailure(new CompletionException(made))).isEqualTo(String.class);
		assertThat(this.events.jdksFailure(new IllegalStateException("the JDK's"))).isNull();
		assertThat(this.events.jdksFailure(null)).isNull();
	}

	@Test
	void failureTheJdkMadeIsNotWatchedWhenSeenAgainNorAfterItWasSeenFirst() {
		// The stage method's check for a result written directly may see the JDK's
		// failure of a stage after the hook of its completion did, or, on another
		// thread, before it.
		Object seenAgain = new Object();
		this.events.failedByTheJdk(seenAgain, new IllegalStateException("seen again"), String.class);
		this.events.failed(seenAgain, new IllegalStateException("seen again"));
		Object seenFirst = new Object();
		IllegalStateException first = new IllegalStateException("seen first");
		this.events.failed(seenFirst, first);
		this.events.failedByTheJdk(seenFirst, first, String.class);
		seenAgain = null;
		seenFirst = null;
		failIgnored(new IllegalStateException("control"));
		awaitReports(1);
		assertThat(this.listener.leaks).extracting((report) -> report.exception().getMessage())
			.containsExactly("control");
		assertThat(this.tracker.summary().jdkOwnFailures()).isEqualTo(2);
	}

	@Test
	void failureTheJdkMadeIsTheJdksAlsoWhenReadOrCombinedBeforeItsHookRan() {
		// Another thread's reader or combinator may come between the JDK's (or a named
		// library's) completion and its hook.
		Object read = new Object();
		Object combined = new Object();
		Object watched = new Object();
		this.events.received(read);
		this.events.observed(combined);
		this.events.failed(watched, new IllegalStateException("watched"));
		this.events.failedByTheJdk(read, new IllegalStateException("read"), String.class);
		this.events.failedByTheJdk(combined, new IllegalStateException("combined"), String.class);
		assertThat(this.events.isFailedByTheJdk(read)).isTrue();
		assertThat(this.events.isFailedByTheJdk(combined)).isTrue();
		assertThat(this.events.isFailedByTheJdk(watched)).isFalse();
		assertThat(this.events.isFailedByTheJdk(new Object())).isFalse();
		assertThat(this.events.isFailedByTheJdk(null)).isFalse();
	}

	@Test
	void nothingIsRememberedForFuturesThatSucceed() {
		for (int i = 0; i < 100; i++) {
			this.events.retrieved(new Object());
		}
		assertThat(this.events.rememberedCount()).isZero();
	}

	private void failIgnored(Throwable failure) {
		this.events.failed(new Object(), failure);
	}

	private void failRetrieved(String message) {
		Object future = new Object();
		this.events.failed(future, new IllegalStateException(message));
		this.events.retrieved(future);
	}

	private void createdThenFailedIgnored() {
		Object future = new Object();
		this.events.created(future, new Thread());
		this.events.failed(future, new IllegalStateException("traced"));
	}

	private static void createdThenFailedIgnored(FutureEvents source, Object task) {
		Object future = new Object();
		source.created(future, task);
		source.failed(future, new IllegalStateException("sampled"));
	}

	/**
	 * Assert that the one report is the source's failure, described as the source's task:
	 * its executor, its type, and where it was created.
	 */
	private void assertReportedAsTheSourcesTask(String createdIn) {
		assertThat(this.listener.leaks).singleElement().satisfies((report) -> {
			assertThat(report.exception()).hasMessage("source");
			assertThat(report.executor()).isEqualTo("orders");
			assertThat(report.task()).isEqualTo(Thread.class.getName());
			assertThat(report.creationTrace().frames()).extracting(StackTraceElement::getMethodName)
				.contains(createdIn);
		});
	}

	private void awaitReports(int count) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaks).hasSizeGreaterThanOrEqualTo(count);
		});
		// Anything collected with the reported ones has been decided by now.
		Object barrier = new Object();
		this.events.failed(barrier, new IllegalStateException("barrier"));
		this.events.retrieved(barrier);
	}

	record SourceTask(Object inner) implements Runnable {

		@Override
		public void run() {
		}

	}

	record IntegrationTask(Object inner) implements Runnable {

		@Override
		public void run() {
		}

	}

	static final class OwnTask implements Callable<String> {

		@Override
		public String call() {
			return "own";
		}

	}

}
