package io.github.leakedtasks.agent;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link ArrivalCounts}: when the tasks of a first-in, first-out queue are
 * known to have arrived by.
 */
class ArrivalCountsTests {

	private final ArrivalCounts counts = new ArrivalCounts();

	@Test
	void headHasWaitedSinceTheFirstCountThatReachedIt() {
		// 10 arrived by 1,000, 15 by 2,000, 20 by 3,000.
		assertThat(this.counts.note(1_000, 10, 1, 0)).isZero();
		assertThat(this.counts.note(2_000, 15, 1, 0)).isEqualTo(1_000);
		// The head is the 12th at most: reached by the count of 2,000, not by that of
		// 1,000.
		assertThat(this.counts.note(3_000, 20, 12, 0)).isEqualTo(1_000);
		assertThat(this.counts.arrivedBy(12)).isEqualTo(2_000);
		assertThat(this.counts.arrivedBy(20)).isEqualTo(3_000);
		assertThat(this.counts.arrivedBy(21)).isEqualTo(Long.MIN_VALUE);
	}

	@Test
	void countsThatReachNoTaskStillQueuedAreForgotten() {
		this.counts.note(1_000, 10, 1, 0);
		this.counts.note(2_000, 15, 1, 0);
		// The head is the 12th at most: the count of 1,000 reached only tasks that left.
		this.counts.note(3_000, 20, 12, 0);
		assertThat(this.counts.arrivedBy(1)).isEqualTo(2_000);
		assertThat(this.counts.reachedBefore(3_500, 2_500)).isEqualTo(-1);
	}

	@Test
	void highestCountNotedAtLeastSoLongAgoReachesEveryTaskUpToIt() {
		this.counts.note(1_000, 10, 1, 0);
		this.counts.note(2_000, 15, 1, 0);
		this.counts.note(3_000, 20, 1, 0);
		assertThat(this.counts.reachedBefore(3_500, 1_500)).isEqualTo(15);
		assertThat(this.counts.reachedBefore(3_500, 2_500)).isEqualTo(10);
		assertThat(this.counts.reachedBefore(3_500, 3_000)).isEqualTo(-1);
	}

	@Test
	void countNoHigherThanTheLastIsNotNoted() {
		this.counts.note(1_000, 10, 1, 0);
		this.counts.note(2_000, 10, 1, 0);
		assertThat(this.counts.arrivedBy(10)).isEqualTo(1_000);
	}

	@Test
	void fewerArrivalsThanTheWorkersCanExplainForgetTheCounts() {
		this.counts.note(1_000, 10, 1, 0);
		// Two workers may have taken a task each between the reads: 8 + 2 is not fewer.
		this.counts.note(2_000, 8, 1, 2);
		assertThat(this.counts.arrivedBy(5)).isEqualTo(1_000);
		this.counts.note(3_000, 7, 1, 2);
		assertThat(this.counts.arrivedBy(5)).isEqualTo(3_000);
	}

	@Test
	void earliestCountsGoPastTheLimit() {
		for (int i = 1; i <= ArrivalCounts.MAX_COUNTS + 10; i++) {
			this.counts.note(i * 1_000L, i, 1, 0);
		}
		assertThat(this.counts.arrivedBy(1)).isEqualTo(11_000);
		assertThat(this.counts.reachedBefore(Long.MAX_VALUE / 2, 0)).isEqualTo(ArrivalCounts.MAX_COUNTS + 10);
	}

	@Test
	void editsInProgressOrDoneSinceTheLastSweepAreSeenOnce() {
		assertThat(this.counts.sweepEdits()).isFalse();
		this.counts.edited(false);
		assertThat(this.counts.editedSinceNoted()).isTrue();
		assertThat(this.counts.sweepEdits()).isTrue();
		this.counts.edited(true);
		assertThat(this.counts.editedSinceNoted()).isTrue();
		assertThat(this.counts.sweepEdits()).isTrue();
		assertThat(this.counts.editedSinceNoted()).isFalse();
		assertThat(this.counts.sweepEdits()).isFalse();
	}

}
