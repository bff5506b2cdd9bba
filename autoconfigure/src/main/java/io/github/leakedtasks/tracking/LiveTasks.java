package io.github.leakedtasks.tracking;

import java.util.function.Consumer;

/**
 * Tasks queued or running, in striped intrusive lists: no allocation and no shared lock
 * per task. Holding the records keeps them reachable, so that the collector enqueues them
 * when a task is dropped.
 *
 * @since 0.1.0
 */
final class LiveTasks {

	private final Stripe[] stripes;

	private final int mask;

	LiveTasks() {
		int size = Integer.highestOneBit(Math.max(1, Runtime.getRuntime().availableProcessors()) * 4 - 1) << 1;
		this.stripes = new Stripe[size];
		for (int i = 0; i < size; i++) {
			this.stripes[i] = new Stripe();
		}
		this.mask = size - 1;
	}

	void add(TaskRecord record) {
		Stripe stripe = this.stripes[(int) Thread.currentThread().getId() & this.mask];
		synchronized (stripe) {
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

	void forEach(Consumer<TaskRecord> action) {
		for (Stripe stripe : this.stripes) {
			synchronized (stripe) {
				for (TaskRecord record = stripe.head; record != null; record = record.next) {
					action.accept(record);
				}
			}
		}
	}

	int size() {
		int[] size = new int[1];
		forEach((record) -> size[0]++);
		return size[0];
	}

	static final class Stripe {

		TaskRecord head;

	}

}
