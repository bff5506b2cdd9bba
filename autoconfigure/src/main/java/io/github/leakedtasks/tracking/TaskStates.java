package io.github.leakedtasks.tracking;

import java.lang.ref.ReferenceQueue;
import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ConcurrentLinkedQueue;

/**
 * What the tracker holds about tasks in flight: live tasks, failures under watch, and the
 * reference queue through which the collector says which of them can no longer be
 * retrieved or run.
 *
 * @since 0.1.0
 */
final class TaskStates {

	private final LiveTasks live = new LiveTasks();

	private final ReferenceQueue<Object> queue = new ReferenceQueue<>();

	private final Set<FailureWatch> watches = ConcurrentHashMap.newKeySet();

	private final Queue<TrackedCompletableFuture<?>> completedDependents = new ConcurrentLinkedQueue<>();

	private final LeakReporter reporter;

	TaskStates(LeakReporter reporter) {
		this.reporter = reporter;
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

	void checkCompletedDependent(TrackedCompletableFuture<?> dependent) {
		this.completedDependents.add(dependent);
	}

	/**
	 * Look at dependents created complete; those still running asynchronously are looked
	 * at again next time.
	 */
	void checkCompletedDependents() {
		int count = this.completedDependents.size();
		for (int i = 0; i < count; i++) {
			TrackedCompletableFuture<?> dependent = this.completedDependents.poll();
			if (dependent == null) {
				return;
			}
			if (!dependent.checkCompleted()) {
				this.completedDependents.add(dependent);
			}
		}
	}

	/**
	 * Start tracking a task submitted with its record.
	 */
	void started(TrackedTask<?> task, TaskRecord record) {
		this.live.add(record, this.live.stripe());
		task.attach(record);
	}

	/**
	 * Start tracking a task submitted without a record.
	 */
	void started(TrackedTask<?> task) {
		this.live.addYoung(task, this);
	}

	/**
	 * Return a task's record, creating it if the task has none yet.
	 */
	TaskRecord recordOf(TrackedTask<?> task) {
		return inflate(task, this.live.stripe());
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
		record = new TaskRecord(task.executor, task.executor.taskType(task.task()), task.trace(), task.threadName, task,
				this.queue);
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
		return record;
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

	void failed(TaskRecord record, Throwable failure, Object future) {
		record.failure = failure;
		record.mark(TaskRecord.FAILED);
		if (future != null) {
			watch(record, future);
		}
	}

	void watch(TaskRecord record, Object future) {
		if (!record.is(TaskRecord.RETRIEVED) && record.mark(TaskRecord.WATCHED)) {
			this.watches.add(new FailureWatch(future, record, record.failure, this.queue));
		}
	}

	void droppedPending(ExecutorTracking executor) {
		promoteYoung();
		List<TaskRecord> dropped = new ArrayList<>();
		this.live.forEach((record) -> {
			if (record.executor == executor && LeakRules.isDropped(record)) {
				dropped.add(record);
			}
		});
		for (TaskRecord record : dropped) {
			this.live.remove(record);
			record.clear();
			this.reporter.confirmed(LeakKind.DROPPED_WHILE_PENDING, record, null);
		}
	}

}
