package io.github.leakedtasks.tracking;

import java.lang.ref.PhantomReference;
import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.atomic.AtomicIntegerFieldUpdater;
import java.util.function.Supplier;

/**
 * Tracking state of one task: who created it, where, and what became of it. It is a
 * phantom reference to the task wrapper, so that a task the executor dropped without
 * running it is noticed when the wrapper is collected.
 * <p>
 * A task gets its record only when it needs one that outlives it: when it fails, when the
 * detector finds it still queued or running among the young tasks, when it runs
 * periodically, is named by an integration or hands out a {@code CompletableFuture}.
 * Until then its {@link TrackedTask} holds its state.
 *
 * @since 0.1.0
 */
final class TaskRecord extends PhantomReference<Object> {

	static final int STARTED = 1;

	static final int FINISHED = 1 << 1;

	static final int FAILED = 1 << 2;

	static final int RETRIEVED = 1 << 3;

	static final int CANCELLED = 1 << 4;

	static final int REPORTED = 1 << 5;

	static final int WATCHED = 1 << 6;

	/**
	 * The caller got the executor's own future, which no view can stand in for: its
	 * failure cannot be followed. Or the task is itself a future that keeps its failure
	 * (see {@link #LEFT_TO_TASK}).
	 */
	static final int UNTRACKED = 1 << 7;

	/**
	 * The task is itself a future that kept its failure and threw it on
	 * ({@link SelfDeliveringTasks}): the failure of the future around it is left to it,
	 * by the wrapper and by any other source that sees that future fail.
	 */
	static final int LEFT_TO_TASK = 1 << 15;

	/**
	 * The failure was listed as suspected by a sweep (above the modes of
	 * {@link TrackedTask}).
	 */
	static final int SUSPECTED = 1 << 11;

	/** The task was reported overdue to the listeners. */
	static final int OVERDUE = 1 << 12;

	/**
	 * The task's scope holds the watch of its failure: set after {@link #WATCHED}, once
	 * the scope can see the failure.
	 */
	static final int SCOPE_WATCHED = 1 << 13;

	/**
	 * A sweep found the task neither started nor in its pool's queue: if the next one
	 * does too, it was dropped (a worker that took it has started it by then, or holds it
	 * and is counted busy).
	 */
	static final int NOT_QUEUED = 1 << 14;

	/**
	 * The application completed the task's future before the task started, and the
	 * executor's own future was completed with it, so that the JDK's task that would run
	 * it skips it, as it would have had the application completed that future: never
	 * starting, the task is not dropped.
	 */
	static final int PASSED_OVER = 1 << 16;

	/** The task's scope handed out its leak, or holds it to hand out. */
	static final int SCOPE_TAKEN = 1 << 18;

	/** The collector confirmed the task's leak to its scope. */
	static final int SCOPE_CONFIRMED = 1 << 19;

	/**
	 * A reader or a handler received this record's failure, from this stage or from any
	 * stage this one handed it on to (see {@link #handedBy}): set on every record from
	 * the one that received it up to the stage the failure entered at.
	 */
	static final int FAILURE_RECEIVED = 1 << 20;

	/**
	 * The failure is a constant of a class, made while the class initialized: a sentinel
	 * the class may hold and hand out for good. Never suspected while it is reachable;
	 * reported, as any, once it is collected unretrieved.
	 */
	static final int CONSTANT = 1 << 21;

	/**
	 * This stage's record was made before the record of the stage that handed it its
	 * failure was registered: it is described by that one once linked (see
	 * {@link #described}).
	 */
	static final int DESCRIBED_BY_SOURCE = 1 << 22;

	/** Failed ancestors a new stage's record skips at most. */
	private static final int MAX_SKIPPED = 64;

	/**
	 * Cause chains are walked at most this deep: an application can make one cyclic.
	 */
	private static final int MAX_CAUSES = 32;

	private static final AtomicIntegerFieldUpdater<TaskRecord> STATE = AtomicIntegerFieldUpdater
		.newUpdater(TaskRecord.class, "state");

	final ExecutorTracking executor;

	final String taskType;

	final Throwable trace;

	final String threadName;

	/**
	 * The trace and span the task was submitted in, or {@code null}; set before the
	 * record is published.
	 */
	TraceIds traceIds;

	/**
	 * The stage whose {@code whenComplete} created this dependent, whose action sees that
	 * stage's failure; once both completed, the failure the action saw, or {@code null}
	 * (see {@link #sourceCompleted}).
	 */
	private volatile Object observedSource;

	/**
	 * Record of the stage this dependent was created from, while a cancellation or
	 * failure of that stage or an earlier one may still reach this one
	 * ({@link #isCancellation}); let go of once this stage completed normally, so that a
	 * chain grown one stage at a time (a serial queue of stages) keeps no record of the
	 * stages that are done.
	 */
	volatile TaskRecord parent;

	/**
	 * Record of the stage that handed this stage the failure it failed with, or one
	 * nearer to the stage that failure entered at; {@code null} if this stage's failure
	 * is its own. A failure received through any stage of such a tree of stages was
	 * received: each of them carries the same failure, which was not lost (see
	 * {@link #isFailureReceived}).
	 */
	private volatile TaskRecord handedBy;

	/**
	 * Finds the record of the stage that handed this stage its failure, whose hook had
	 * yet to register it when this one failed; {@code null} once found, or if there is
	 * none to find.
	 */
	private volatile Supplier<TaskRecord> awaitedSource;

	/**
	 * The caller's view of the executor's future, held weakly (a {@link WeakReference}):
	 * it would keep the task reachable. For a task a source of events saw dropped, the
	 * future it would have completed ({@link LeakRules#isDropped}), held strongly: the
	 * task holds it anyway, and the application may let go of it, completed, before the
	 * task is collected.
	 */
	volatile Object view;

	/** The exception of a cancellation of this task's future. */
	volatile Throwable cancellation;

	private volatile int state;

	volatile Throwable failure;

	/**
	 * When the task was queued (or is due), then when it started, in
	 * {@link System#nanoTime()}.
	 */
	volatile long since;

	volatile Thread runner;

	/**
	 * The scope the task was created in, or {@code null}; written before the record is
	 * published.
	 */
	TaskScope scope;

	/** Links of {@link LiveTasks}, guarded by the stripe. */
	LiveTasks.Stripe stripe;

	TaskRecord prev;

	TaskRecord next;

	TaskRecord(ExecutorTracking executor, String taskType, Throwable trace, String threadName, Object task,
			ReferenceQueue<Object> queue) {
		super(task, queue);
		this.executor = executor;
		this.taskType = taskType;
		this.trace = trace;
		this.threadName = threadName;
		this.parent = null;
		this.since = System.nanoTime();
	}

	/**
	 * Create the record of a dependent stage, which inherits where its chain was created.
	 */
	TaskRecord(TaskRecord parent) {
		this(parent, false);
	}

	/**
	 * Create the record of a dependent stage, which inherits where its chain was created.
	 * @param parent the record of the stage it was created from
	 * @param parentFailed whether that stage had failed, with no cancellation of its own,
	 * when this one was created: it never changes again, and this stage's record does not
	 * link to it (see {@link #linkable})
	 */
	TaskRecord(TaskRecord parent, boolean parentFailed) {
		super(null, null);
		this.executor = parent.executor;
		this.taskType = parent.taskType;
		this.trace = parent.trace;
		this.threadName = parent.threadName;
		this.traceIds = parent.traceIds;
		this.parent = linkable(parentFailed ? parent.parent : parent);
		this.scope = parent.scope;
		this.since = System.nanoTime();
	}

	/**
	 * Let go of the stages before this one, and of the stage whose action observed it:
	 * this stage completed normally, so nothing of theirs can reach it.
	 */
	void completedNormally() {
		this.parent = null;
		this.observedSource = null;
	}

	/**
	 * Set every flag of a set.
	 * @param flags the flags
	 */
	void markAll(int flags) {
		int current;
		do {
			current = this.state;
			if ((current & flags) == flags) {
				return;
			}
		}
		while (!STATE.compareAndSet(this, current, current | flags));
	}

	/**
	 * Return the nearest of a stage's ancestors a cancellation may still reach from, or
	 * that was cancelled: one whose future failed with no cancellation of its own
	 * ({@link #WATCHED}, not {@link #CANCELLED}) never changes again, and is left out, so
	 * that a chain grown one stage at a time on a failed future (a serial queue after one
	 * job threw, whose every later stage fails at once) keeps no record of the stages
	 * that failed before. A cancellation handed on through it is its ancestor's, which is
	 * kept.
	 */
	private static TaskRecord linkable(TaskRecord parent) {
		TaskRecord current = parent;
		for (int depth = 0; current != null && depth < MAX_SKIPPED
				&& (current.state & (WATCHED | CANCELLED)) == WATCHED; depth++) {
			current = current.parent;
		}
		return current;
	}

	/**
	 * Note that this stage failed with the failure a stage handed on to it. Linked to the
	 * record nearest to where that failure entered, so that a serial queue of stages that
	 * fail one after the other keeps no record of the stages between; a receipt noted on
	 * this record before is carried up.
	 * @param source the record of the stage that handed the failure on
	 */
	void handedBy(TaskRecord source) {
		source.linkAwaitedSource();
		TaskRecord origin = source.origin();
		if (origin == this) {
			return;
		}
		this.handedBy = origin;
		// Read after the link is written: a receipt noted on this record meanwhile is
		// carried up by one of the two.
		if (is(FAILURE_RECEIVED)) {
			origin.failureReceived();
		}
	}

	/**
	 * Note that this stage failed with the failure of a stage whose record was not
	 * registered yet: linked to it once it is (see {@link #isFailureReceived}).
	 * @param source finds that stage's record, or returns {@code null}
	 */
	void awaitSource(Supplier<TaskRecord> source) {
		this.awaitedSource = source;
		linkAwaitedSource();
	}

	/**
	 * Note that this stage failed with the failure of a known stage whose record was not
	 * registered yet, which describes it in reports once linked (see {@link #described}):
	 * as {@link #awaitSource}, for a stage whose hook ran before its source's.
	 * @param source finds that stage's record, or returns {@code null}
	 */
	void awaitDescribingSource(Supplier<TaskRecord> source) {
		mark(DESCRIBED_BY_SOURCE);
		this.awaitedSource = source;
		linkAwaitedSource();
	}

	/**
	 * Note that this stage failed with the failure a stage handed it on, whose record was
	 * registered after this one: it is linked to that record, which describes it in
	 * reports (see {@link #described}).
	 * @param source the record of that stage
	 */
	void describedBy(TaskRecord source) {
		mark(DESCRIBED_BY_SOURCE);
		handedBy(source);
	}

	/**
	 * Return the record that describes this one in a report (its executor, task type,
	 * creation trace, thread and trace ids): this one, or, for a stage whose record was
	 * made before the record of the stage that handed it its failure was registered (see
	 * {@link #awaitDescribingSource}), the record that failure entered at, once linked,
	 * as a stage's record is described when its source's came first. Which of two
	 * threads' hooks runs first then changes nothing in the report.
	 * @return the describing record
	 */
	TaskRecord described() {
		TaskRecord described = this;
		// Followed on while the record it is described by is described by another: a
		// stage made on a stage whose own source's hook had yet to run.
		for (int depth = 0; depth < MAX_SKIPPED && described.is(DESCRIBED_BY_SOURCE); depth++) {
			if (described.linkAwaitedSource()) {
				// Not linked yet: described by itself meanwhile, not by a record it is
				// linked to otherwise (for what is received through either).
				break;
			}
			TaskRecord origin = described.handedBy;
			if (origin == null) {
				break;
			}
			described = origin;
		}
		return described;
	}

	/**
	 * Link this record to the record of the stage that handed it its failure, if that one
	 * is registered by now.
	 * @return whether that record is still awaited
	 */
	boolean linkAwaitedSource() {
		Supplier<TaskRecord> awaited = this.awaitedSource;
		if (awaited == null) {
			return false;
		}
		TaskRecord source = awaited.get();
		if (source == null) {
			return true;
		}
		this.awaitedSource = null;
		handedBy(source);
		return false;
	}

	/**
	 * Whether this stage failed with a failure (the same, or the one the JDK's wrapper
	 * carries), as far as its record knows.
	 */
	boolean failedWith(Throwable failure) {
		Throwable own = this.failure;
		return own != null && failure != null && unwrap(own) == unwrap(failure);
	}

	/**
	 * Note that a reader or a handler received this stage's failure: no stage that
	 * carries the same failure on lost it.
	 */
	void failureReceived() {
		linkAwaitedSource();
		TaskRecord record = this;
		for (int depth = 0; record != null && depth < MAX_SKIPPED; depth++) {
			record.markAll(FAILURE_RECEIVED);
			// Read after the flag is set: see handedBy(TaskRecord).
			record = record.handedBy;
		}
	}

	/**
	 * Whether a reader or a handler received this stage's failure, here or through any
	 * stage that carries it too.
	 */
	boolean isFailureReceived() {
		linkAwaitedSource();
		TaskRecord record = this;
		for (int depth = 0; record != null && depth < MAX_SKIPPED; depth++) {
			if (record.is(FAILURE_RECEIVED)) {
				return true;
			}
			record = record.handedBy;
		}
		return false;
	}

	/**
	 * Return the record of the stage this stage's failure entered at, as far as it is
	 * linked, shortening the link on the way.
	 */
	private TaskRecord origin() {
		TaskRecord origin = this;
		for (int depth = 0; depth < MAX_SKIPPED; depth++) {
			TaskRecord next = origin.handedBy;
			if (next == null) {
				break;
			}
			origin = next;
		}
		if (origin != this && this.handedBy != origin) {
			this.handedBy = origin;
		}
		return origin;
	}

	/**
	 * Return the caller's view, or the future of a dropped task, or {@code null}.
	 */
	Object view() {
		Object current = this.view;
		return (current instanceof WeakReference<?> reference) ? reference.get() : current;
	}

	boolean is(int flag) {
		return (this.state & flag) != 0;
	}

	/**
	 * Set a flag.
	 * @param flag the flag
	 * @return whether this call set it
	 */
	boolean mark(int flag) {
		int current;
		do {
			current = this.state;
			if ((current & flag) != 0) {
				return false;
			}
		}
		while (!STATE.compareAndSet(this, current, current | flag));
		return true;
	}

	void retrieved() {
		if ((this.state & RETRIEVED) == 0) {
			mark(RETRIEVED);
		}
	}

	void started() {
		this.runner = Thread.currentThread();
		this.since = System.nanoTime();
		if ((this.state & STARTED) == 0) {
			mark(STARTED);
		}
	}

	/**
	 * Note the stage whose {@code whenComplete} action created this dependent.
	 * @param source the stage
	 * @param completed whether this dependent completed already, and its source before it
	 */
	void observedSource(TrackedCompletableFuture<?> source, boolean completed) {
		this.observedSource = source;
		if (completed) {
			sourceCompleted();
		}
	}

	/**
	 * Keep, of the {@code whenComplete} source, only the failure its action saw, once
	 * this dependent completed (after its source): a chain of such stages that fail one
	 * after the other (a serial queue after one job threw) then holds none of the stages
	 * before, as it does without tracking.
	 */
	void sourceCompleted() {
		if (this.observedSource instanceof TrackedCompletableFuture<?> source && source.isDone()) {
			this.observedSource = source.failureNow();
		}
	}

	/**
	 * Whether this record's failure is the one its {@code whenComplete} source handed to
	 * the action, so that the action has seen it.
	 */
	boolean failureSeenBySource(Throwable failure) {
		Object source = this.observedSource;
		Throwable seen = (source instanceof TrackedCompletableFuture<?> stage) ? stage.failureNow()
				: (source instanceof Throwable sourceFailure) ? sourceFailure : null;
		return seen != null && unwrap(seen) == unwrap(failure);
	}

	/**
	 * Whether a failure is the cancellation of this stage or of a stage it depends on,
	 * carried on: cancelling is not losing a failure. A task that throws a
	 * {@code CancellationException} of its own did fail.
	 */
	boolean isCancellation(Throwable failure) {
		Throwable cause = unwrap(failure);
		for (TaskRecord record = this; record != null; record = record.parent) {
			if (record.is(CANCELLED) && record.cancellation == cause) {
				return true;
			}
		}
		return false;
	}

	/**
	 * Return the failure a {@code CompletionException} or {@code ExecutionException}
	 * carries, or the failure itself; one whose cause cannot be read (an application's
	 * subclass that throws) is the failure.
	 */
	static Throwable unwrap(Throwable failure) {
		Throwable current = failure;
		for (int i = 0; i < MAX_CAUSES
				&& (current instanceof CompletionException || current instanceof ExecutionException); i++) {
			Throwable cause;
			try {
				cause = current.getCause();
			}
			catch (Throwable ex) {
				// An application's subclass whose getCause() throws, whatever it throws.
				return current;
			}
			if (cause == null) {
				break;
			}
			current = cause;
		}
		return current;
	}

}
