package io.github.leakedtasks.agent;

import java.util.ArrayDeque;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * How many tasks had arrived in a first-in, first-out queue by each sweep of the detector
 * (runs its workers counted plus tasks queued), each count higher than the one before:
 * the task a count reaches had arrived by that sweep, so a task known to be at most that
 * far down the arrivals has waited at least since. Only counts that reach a task still
 * queued are kept. Tasks that leave the queue other than to a worker (an edit:
 * {@code remove}, {@code purge}, {@code DiscardOldestPolicy}) make the counts useless:
 * edits are counted as in progress and as done, and the counts are forgotten when either
 * is seen. Only the detector's thread reads the counts; any thread counts its edits.
 *
 * @since 0.1.0
 */
final class ArrivalCounts {

	static final int MAX_COUNTS = 4_096;

	/** At sweeps: when, and how many tasks had arrived by then. */
	private final ArrayDeque<long[]> counts = new ArrayDeque<>();

	private final AtomicInteger editing = new AtomicInteger();

	private final AtomicInteger edits = new AtomicInteger();

	/** The edits done as of the previous sweep. */
	private int lastEdits;

	/**
	 * Note that a thread edits the queue, or is done editing it.
	 */
	void edited(boolean done) {
		if (done) {
			// Counted before the edit stops being in progress: a sweep that sees it no
			// longer in progress sees it counted.
			this.edits.incrementAndGet();
			this.editing.decrementAndGet();
		}
		else {
			this.editing.incrementAndGet();
		}
	}

	/**
	 * Return whether an edit is in progress or was done since the edits were last noted;
	 * read in progress first, then done, the reverse of how an edit writes them.
	 */
	boolean editedSinceNoted() {
		return this.editing.get() != 0 || this.edits.get() != this.lastEdits;
	}

	/**
	 * Note the edits done as of this sweep, and return whether the queue was edited since
	 * the previous one or is being edited.
	 */
	boolean sweepEdits() {
		boolean editing = this.editing.get() != 0;
		int edits = this.edits.get();
		boolean edited = edits != this.lastEdits;
		this.lastEdits = edits;
		return editing || edited;
	}

	void forget() {
		this.counts.clear();
	}

	boolean isEmpty() {
		return this.counts.isEmpty();
	}

	/**
	 * Note this sweep's count and return how long the head has waited at least.
	 * @param now when the count was read, after the queue's size
	 * @param arrived the runs counted before the size was read, plus the size
	 * @param headAt how far down the arrivals the head is at most
	 * @param uncounted how many tasks workers may have taken without counting them
	 * @return how long the head has waited at least
	 */
	long note(long now, long arrived, long headAt, int uncounted) {
		long[] last = this.counts.peekLast();
		if (last != null && arrived + uncounted < last[1]) {
			// Fewer arrived than before, by more than the workers may have taken between
			// the two reads: tasks left the queue unseen.
			this.counts.clear();
			last = null;
		}
		// The first count that reached the head says when it had arrived by; those
		// before it reach no task still queued.
		while (!this.counts.isEmpty() && this.counts.peekFirst()[1] < headAt) {
			this.counts.pollFirst();
		}
		long waited = this.counts.isEmpty() ? 0 : now - this.counts.peekFirst()[0];
		if (last == null || arrived > last[1]) {
			if (this.counts.size() >= MAX_COUNTS) {
				// Forgetting the earliest counts only shortens what the head is known to
				// have waited.
				this.counts.pollFirst();
			}
			this.counts.addLast(new long[] { now, arrived });
		}
		return waited;
	}

	/**
	 * Return the highest count noted at least this long before a time, or {@code -1}:
	 * every task up to it had arrived that long before.
	 */
	long reachedBefore(long now, long nanos) {
		long reached = -1;
		for (long[] count : this.counts) {
			if (now - count[0] < nanos) {
				break;
			}
			reached = count[1];
		}
		return reached;
	}

	/**
	 * Return when the task that arrived at a count had arrived by: the time of the first
	 * count that reached it.
	 * @return the time, or {@link Long#MIN_VALUE} if no count reached it yet
	 */
	long arrivedBy(long arrival) {
		for (long[] count : this.counts) {
			if (count[1] >= arrival) {
				return count[0];
			}
		}
		return Long.MIN_VALUE;
	}

}
