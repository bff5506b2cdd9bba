package io.github.leakedtasks.tracking;

import java.util.Arrays;
import java.util.function.Consumer;

/**
 * Tasks queued or running, striped by submitting thread: no shared lock per task.
 * <p>
 * A new task without a record goes into its stripe's young tasks, an array that grows
 * while a backlog of tasks piles up: when it is full, finished tasks are let go, and it
 * doubles only if more than half of it is still queued or running. Holding a task there
 * keeps a dropped task reachable until the young tasks are promoted, at every sweep of
 * the detector and whenever a stripe holds {@link #MAX_YOUNG_TASKS_PER_STRIPE}: each task
 * still queued or running then gets its record, which joins the stripe's intrusive list
 * of records, and the rest are let go. So a burst that drains before the next sweep
 * creates no record at all, and memory stays bounded whatever the rate. Records hold
 * their tasks only phantom-reachably, so the collector enqueues the record of a task that
 * is dropped.
 *
 * @since 0.1.0
 */
final class LiveTasks {

	static final int YOUNG_TASKS_PER_STRIPE = 256;

	/**
	 * Young tasks a stripe holds at most; past it they are promoted. Below it, the array
	 * grows only while at least half of it holds tasks still queued or running, so it
	 * stays within twice the backlog, which costs the application far more.
	 */
	static final int MAX_YOUNG_TASKS_PER_STRIPE = 1 << 22;

	private final Stripe[] stripes;

	private final int mask;

	/**
	 * Whether the tracker closed and its detector let go of everything: what a thread
	 * that had not seen the close yet adds is not listed (read under the stripe's lock).
	 */
	private volatile boolean closed;

	LiveTasks() {
		int size = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 4 - 1) << 1;
		this.stripes = new Stripe[size];
		for (int i = 0; i < size; i++) {
			this.stripes[i] = new Stripe();
		}
		this.mask = size - 1;
	}

	/**
	 * Return the current thread's stripe.
	 */
	Stripe stripe() {
		return this.stripes[(int) Thread.currentThread().getId() & this.mask];
	}

	/**
	 * Hold a new task that has no record.
	 */
	void addYoung(TrackedTask<?> task, TaskStates states) {
		Stripe stripe = stripe();
		synchronized (stripe) {
			if (this.closed) {
				return;
			}
			if (stripe.youngCount == stripe.young.length) {
				makeRoom(stripe, states);
			}
			stripe.young[stripe.youngCount++] = task;
		}
	}

	/**
	 * Let go of the young tasks that finished; grow the array if most of it still holds
	 * tasks queued or running, or promote them past the cap.
	 */
	private void makeRoom(Stripe stripe, TaskStates states) {
		TrackedTask<?>[] young = stripe.young;
		int kept = 0;
		for (int i = 0; i < stripe.youngCount; i++) {
			TrackedTask<?> task = young[i];
			young[i] = null;
			if (!task.is(TaskRecord.FINISHED)) {
				young[kept++] = task;
			}
		}
		stripe.youngCount = kept;
		if (kept > young.length / 2) {
			if (young.length < MAX_YOUNG_TASKS_PER_STRIPE) {
				stripe.young = Arrays.copyOf(young, young.length * 2);
			}
			else {
				promote(stripe, states);
			}
		}
	}

	/**
	 * Give every young task still queued or running its record, and let go of the rest.
	 */
	void promoteAll(TaskStates states) {
		for (Stripe stripe : this.stripes) {
			synchronized (stripe) {
				promote(stripe, states);
			}
		}
	}

	private void promote(Stripe stripe, TaskStates states) {
		TrackedTask<?>[] young = stripe.young;
		int count = stripe.youngCount;
		for (int i = 0; i < count; i++) {
			TrackedTask<?> task = young[i];
			if (!task.is(TaskRecord.FINISHED)) {
				states.inflate(task, stripe);
			}
		}
		// Let go only once every task has its record: if one could not get it (a
		// shortage of memory), the stripe keeps them all, whole, for the next sweep,
		// which gives those that have one the same record again.
		letGoOfYoung(stripe);
	}

	/**
	 * Let go of a stripe's young tasks, and of what a burst grew its array to.
	 */
	private static void letGoOfYoung(Stripe stripe) {
		Arrays.fill(stripe.young, 0, stripe.youngCount, null);
		stripe.youngCount = 0;
		if (stripe.young.length > YOUNG_TASKS_PER_STRIPE) {
			stripe.young = new TrackedTask<?>[YOUNG_TASKS_PER_STRIPE];
		}
	}

	void add(TaskRecord record, Stripe stripe) {
		synchronized (stripe) {
			if (this.closed) {
				// Never enqueued: nobody would drain it.
				record.clear();
				return;
			}
			record.stripe = stripe;
			record.next = stripe.head;
			if (stripe.head != null) {
				stripe.head.prev = record;
			}
			stripe.head = record;
		}
	}

	void remove(TaskRecord record) {
		Stripe stripe = record.stripe;
		if (stripe == null) {
			return;
		}
		synchronized (stripe) {
			if (record.stripe != stripe) {
				return;
			}
			if (record.prev != null) {
				record.prev.next = record.next;
			}
			else {
				stripe.head = record.next;
			}
			if (record.next != null) {
				record.next.prev = record.prev;
			}
			record.prev = null;
			record.next = null;
			record.stripe = null;
		}
	}

	/**
	 * Let go of every task and record, for a tracker that closed: no record is enqueued
	 * once its task is collected.
	 */
	void clear() {
		this.closed = true;
		for (Stripe stripe : this.stripes) {
			synchronized (stripe) {
				TaskRecord record = stripe.head;
				stripe.head = null;
				while (record != null) {
					TaskRecord next = record.next;
					record.clear();
					record.prev = null;
					record.next = null;
					record.stripe = null;
					record = next;
				}
				letGoOfYoung(stripe);
			}
		}
	}

	/**
	 * Visit the records of live tasks; young tasks without one are not visited.
	 */
	void forEach(Consumer<TaskRecord> action) {
		for (Stripe stripe : this.stripes) {
			synchronized (stripe) {
				for (TaskRecord record = stripe.head; record != null; record = record.next) {
					action.accept(record);
				}
			}
		}
	}

	/**
	 * Return how many tasks are queued or running, young or not.
	 */
	int size() {
		int size = 0;
		for (Stripe stripe : this.stripes) {
			synchronized (stripe) {
				for (TaskRecord record = stripe.head; record != null; record = record.next) {
					size++;
				}
				for (int i = 0; i < stripe.youngCount; i++) {
					TrackedTask<?> task = stripe.young[i];
					if (task.record() == null && !task.is(TaskRecord.FINISHED)) {
						size++;
					}
				}
			}
		}
		return size;
	}

	static final class Stripe {

		TaskRecord head;

		TrackedTask<?>[] young = new TrackedTask<?>[YOUNG_TASKS_PER_STRIPE];

		int youngCount;

	}

}
