package io.github.leakedtasks.tracking;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.List;
import java.util.Map;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.Future;

/**
 * What the tracker holds about tasks in flight: live tasks, failures under watch, and the
 * reference queue through which the collector says which of them can no longer be
 * retrieved or run.
 *
 * @since 0.1.0
 */
final class TaskStates {

	/**
	 * Sweeps a collected watch waits for its executor's future to complete, about a
	 * minute at most.
	 */
	private static final int MAX_UNDECIDED_SWEEPS = 60;

	private final LiveTasks live = new LiveTasks();

	private final ReferenceQueue<Object> queue = new ReferenceQueue<>();

	private final Set<FailureWatch> watches = ConcurrentHashMap.newKeySet();

	/**
	 * Records of tasks an executor let go of unrun, which a source of events watches (see
	 * {@link FutureEvents#dropped}); held until their task is collected.
	 */
	private final Set<TaskRecord> letGo = ConcurrentHashMap.newKeySet();

	private final Queue<Object> completedDependents = new ConcurrentLinkedQueue<>();

	private final Queue<FailureWatch> undecided = new ConcurrentLinkedQueue<>();

	private final LeakReporter reporter;

	/** Whether the tracker closed: nothing drains what is held here any more. */
	private volatile boolean closed;

	TaskStates(LeakReporter reporter) {
		this.reporter = reporter;
	}

	/**
	 * Let go of what the detector would have drained, and hold nothing more: wrappers and
	 * their futures used after their tracker closed (a bean outliving its context) must
	 * not grow what nobody reads.
	 */
	void close() {
		this.closed = true;
		this.completedDependents.clear();
		this.watches.clear();
		this.letGo.clear();
		this.undecided.clear();
	}

	/**
	 * Let go of the live records and young tasks, and of what was enqueued, once the
	 * detector's last pass, which reports what the executors dropped as they shut down,
	 * is over (or the detector is not running): a wrapper used after its tracker closed
	 * must not keep what nobody drains.
	 */
	void releaseLive() {
		this.live.clear();
		while (this.queue.poll() != null) {
			// Enqueued before the records were let go of.
		}
	}

	/**
	 * Return whether the tracker closed: a task submitted since is held nowhere here.
	 */
	boolean isClosed() {
		return this.closed;
	}

	ReferenceQueue<Object> queue() {
		return this.queue;
	}

	LiveTasks live() {
		return this.live;
	}

	Set<FailureWatch> watches() {
		return this.watches;
	}

	void watchDropped(TaskRecord record) {
		if (!this.closed) {
			this.letGo.add(record);
		}
	}

	void forgetDropped(TaskRecord record) {
		this.letGo.remove(record);
	}

	boolean nothingLetGo() {
		return this.letGo.isEmpty();
	}

	void checkCompletedDependent(TrackedCompletableFuture<?> dependent) {
		if (!this.closed) {
			this.completedDependents.add(dependent);
		}
	}

	int completedDependentCount() {
		return this.completedDependents.size();
	}

	/**
	 * Look at dependents created on a completed stage. One still incomplete is looked at
	 * again next time, from then on through a weak reference: it may wait for a stage
	 * that never completes, and must stay as collectable as it is untracked.
	 */
	void checkCompletedDependents() {
		int count = this.completedDependents.size();
		for (int i = 0; i < count; i++) {
			Object entry = this.completedDependents.poll();
			if (entry == null) {
				return;
			}
			TrackedCompletableFuture<?> dependent = (entry instanceof WeakReference<?> weak)
					? (TrackedCompletableFuture<?>) weak.get() : (TrackedCompletableFuture<?>) entry;
			if (dependent != null && !dependent.checkCompleted()) {
				this.completedDependents
					.add((entry instanceof WeakReference<?>) ? entry : new WeakReference<>(dependent));
			}
		}
	}

	/**
	 * Start tracking a task submitted with its record.
	 */
	void started(TrackedTask<?> task, TaskRecord record) {
		if (this.closed) {
			// Submitted after the tracker closed: the task keeps its record (its
			// future's stages describe themselves by it), held nowhere else. (Once the
			// detector let go of the live tasks, the live list also refuses what a thread
			// that had not seen the close adds, and a task promoted since.)
			record.clear();
		}
		else {
			this.live.add(record, this.live.stripe());
		}
		task.attach(record);
	}

	/**
	 * Start tracking a task submitted without a record.
	 */
	void started(TrackedTask<?> task) {
		// Not listed after a close, not even until the detector's last pass let go of
		// the live tasks: that pass reports nothing submitted since. Once it let go, the
		// live list also refuses what a thread that had not seen the close adds.
		if (!this.closed) {
			this.live.addYoung(task, this);
		}
	}

	/**
	 * Return a task's record, creating it if the task has none yet.
	 */
	TaskRecord recordOf(TrackedTask<?> task) {
		return inflate(task, this.live.stripe());
	}

	/**
	 * Return the record of a task whose future needs one: a live record while the task is
	 * queued or running, else one that only says where the task came from.
	 */
	TaskRecord recordFor(TrackedTask<?> task, String taskType) {
		TaskRecord record = inflate(task, this.live.stripe());
		if (record != null) {
			return record;
		}
		TaskRecord detached = new TaskRecord(task.executor, taskType, task.trace(), task.threadName, null, null);
		detached.traceIds = task.traceIds();
		return task.attach(detached) ? detached : task.record();
	}

	/**
	 * Give a task its record, a live one watching for the task to be dropped.
	 * @param task the task
	 * @param stripe the stripe to list the record in
	 * @return the task's record
	 */
	TaskRecord inflate(TrackedTask<?> task, LiveTasks.Stripe stripe) {
		TaskRecord record = task.record();
		if (record != null) {
			return record;
		}
		Object runnable = task.task();
		if (runnable == null) {
			// Finished since it was looked at: it needs no record.
			return null;
		}
		record = new TaskRecord(task.executor, task.executor.taskType(runnable), task.trace(), task.threadName, task,
				this.queue);
		record.traceIds = task.traceIds();
		this.live.add(record, stripe);
		if (!task.attach(record)) {
			this.live.remove(record);
			record.clear();
			return task.record();
		}
		if (record.is(TaskRecord.FINISHED)) {
			this.live.remove(record);
			record.clear();
		}
		// Read after the record is attached: see ExecutorTracking.published.
		if (task.future instanceof TrackedFuture<?> view) {
			record.view = new WeakReference<>(view);
		}
		return record;
	}

	/**
	 * Return whether a collection could prove a drop now: a task let go of, or a task
	 * that has not started though due (young tasks promoted first).
	 * @param now the current {@link System#nanoTime()}
	 */
	boolean awaitsCollection(long now) {
		if (!this.letGo.isEmpty()) {
			return true;
		}
		boolean[] queued = new boolean[1];
		this.live.forEach((record) -> queued[0] |= !record.is(TaskRecord.STARTED) && record.since - now <= 0);
		return queued[0];
	}

	/**
	 * Return whether a failure is watched that nobody has retrieved yet and that would be
	 * reported once its future is collected: once the tracker closes, nobody will
	 * retrieve it, and a collection proves which of them can no longer be (a failure
	 * whose future is still reachable is not reported). A failure of a constant, and one
	 * the executor's future says it handled, are no reason.
	 */
	boolean watchesUnretrieved() {
		for (FailureWatch watch : this.watches) {
			try {
				if (LeakRules.isLost(watch) && !watch.record.is(TaskRecord.CONSTANT) && watch.delivered() != null) {
					return true;
				}
			}
			catch (Throwable ex) {
				// A failure that cannot be looked at is left out, as the detector does.
			}
		}
		return false;
	}

	/**
	 * Give every young task still queued or running its record.
	 */
	void promoteYoung() {
		this.live.promoteAll(this);
	}

	void finished(TaskRecord record) {
		record.mark(TaskRecord.FINISHED);
		this.live.remove(record);
		record.clear();
	}

	/**
	 * Note that a task threw. Whether its future delivers that failure is the future's to
	 * say: an executor may handle the exception itself.
	 */
	void failed(TaskRecord record, Throwable failure, TrackedTask<?> task) {
		record.failure = failure;
		record.mark(TaskRecord.FAILED);
		task.mark(TaskRecord.FAILED);
		// Read after FAILED is set: see ExecutorTracking.published.
		watchDelivered(record, task.future);
	}

	/**
	 * Watch the future of a task that threw, if it is a view of the executor's future: a
	 * tracked {@code CompletableFuture} or {@link TrackedFutureTask} watches the failures
	 * it delivers itself.
	 */
	void watchDelivered(TaskRecord record, Object future) {
		if (future instanceof TrackedFuture<?> view) {
			watch(record, view, view.delegate, record.failure);
		}
	}

	/**
	 * Watch a failed future until its failure is retrieved or the future collected.
	 * @param future the caller's future
	 * @param delivering the executor's future that says what the caller's delivers, or
	 * {@code null} if it is the caller's own
	 */
	void watch(TaskRecord record, Object future, Future<?> delivering, Throwable failure) {
		if (!this.closed && !record.is(TaskRecord.RETRIEVED) && !record.is(TaskRecord.UNTRACKED)
				&& record.mark(TaskRecord.WATCHED)) {
			FailureWatch watch = new FailureWatch(future, delivering, record, failure, this.queue);
			this.watches.add(watch);
			TaskScope.watched(watch);
		}
	}

	/**
	 * Hold a watch whose future was collected before the executor's future said how it
	 * ended, to decide again at the next sweep.
	 */
	void undecided(FailureWatch watch) {
		// An executor future that never completes must not be held for ever.
		if (watch.undecidedSweeps++ < MAX_UNDECIDED_SWEEPS) {
			this.undecided.add(watch);
		}
	}

	/**
	 * Return the watches collected undecided so far, forgetting them.
	 */
	List<FailureWatch> takeUndecided() {
		List<FailureWatch> taken = new ArrayList<>();
		FailureWatch watch;
		while ((watch = this.undecided.poll()) != null) {
			taken.add(watch);
		}
		return taken;
	}

	List<Runnable> handedBack(ExecutorTracking executor, List<Runnable> pending) {
		promoteYoung();
		Map<Object, Object> views = new IdentityHashMap<>();
		this.live.forEach((record) -> {
			Object view = (record.executor == executor) ? record.view() : null;
			if (view instanceof TrackedFuture<?> future) {
				views.put(future.delegate, future);
			}
		});
		List<Runnable> handedBack = new ArrayList<>(pending.size());
		for (Runnable runnable : pending) {
			if (runnable instanceof TrackedTask<?> task) {
				Object own = task.task();
				task.abandon();
				handedBack.add((own instanceof Runnable ownRunnable) ? ownRunnable : runnable);
			}
			else {
				handedBack.add((views.get(runnable) instanceof Runnable view) ? view : runnable);
			}
		}
		return handedBack;
	}

}
