package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Tests for {@link SourcedOverdueTasks}: what the detector decides about the tasks a
 * source only sees, which are overdue and which listeners heard of.
 */
class SourcedOverdueTasksTests {

	private static final long THRESHOLD = 1_000;

	private final SourcedOverdueTasks sourced = new SourcedOverdueTasks();

	private final Object executor = new Object();

	private final Object worker = new Object();

	private final Thread runner = new Thread(() -> {
	}, "worker-1");

	private final Object task = new Object();

	@Test
	void runningTaskIsListedEverySweepAndHeardOfOnce() {
		assertThat(sweep(10_000, (seen) -> seen.running(this.executor, this.worker, this.task, 5_000, this.runner)))
			.containsExactly("RUNNING 5000 first");
		assertThat(sweep(20_000, (seen) -> seen.running(this.executor, this.worker, this.task, 5_000, this.runner)))
			.containsExactly("RUNNING 15000 again");
	}

	@Test
	void nextRunOfTheSameWorkerIsHeardOfAgain() {
		sweep(10_000, (seen) -> seen.running(this.executor, this.worker, this.task, 5_000, this.runner));
		assertThat(sweep(20_000, (seen) -> seen.running(this.executor, this.worker, this.task, 12_000, this.runner)))
			.containsExactly("RUNNING 8000 first");
	}

	@Test
	void taskYoungerThanTheThresholdIsNeitherListedNorDescribed() {
		assertThat(sweep(10_000, (seen) -> {
			seen.running(this.executor, this.worker, this.task, 9_500, this.runner);
			seen.queued(this.executor, this.task, 999);
		})).isEmpty();
	}

	@Test
	void headIsHeardOfOnceWhileItStaysTheHeadAndNotAgainWhenItRuns() {
		assertThat(sweep(10_000, (seen) -> seen.queued(this.executor, this.task, 2_000)))
			.containsExactly("QUEUED 2000 first");
		assertThat(sweep(20_000, (seen) -> seen.queued(this.executor, this.task, 12_000)))
			.containsExactly("QUEUED 12000 again");
		assertThat(sweep(30_000, (seen) -> seen.running(this.executor, this.worker, this.task, 25_000, this.runner)))
			.containsExactly("RUNNING 5000 again");
	}

	@Test
	void taskThatLeftTheHeadForASweepIsANewHead() {
		sweep(10_000, (seen) -> seen.queued(this.executor, this.task, 2_000));
		sweep(20_000, (seen) -> {
		});
		assertThat(sweep(30_000, (seen) -> seen.queued(this.executor, this.task, 2_000)))
			.containsExactly("QUEUED 2000 first");
	}

	@Test
	void runNotSeenForASweepIsForgotten() {
		sweep(10_000, (seen) -> seen.running(this.executor, this.worker, this.task, 5_000, this.runner));
		sweep(20_000, (seen) -> {
		});
		assertThat(sweep(30_000, (seen) -> seen.running(this.executor, this.worker, this.task, 5_000, this.runner)))
			.containsExactly("RUNNING 25000 first");
	}

	@Test
	void taskTheListingRefusesIsNotHeardOf() {
		List<String> refused = new ArrayList<>();
		this.sourced.startSweep();
		this.sourced.collect(source((seen) -> seen.queued(this.executor, this.task, 2_000)), 10_000, THRESHOLD,
				(overdue, thread, firstTime) -> {
					refused.add(overdue.state() + " " + firstTime);
					return false;
				});
		assertThat(refused).containsExactly("QUEUED true");
		assertThat(sweep(20_000, (seen) -> seen.queued(this.executor, this.task, 12_000)))
			.containsExactly("QUEUED 12000 first");
	}

	@Test
	void executorsAreHeardOfApartAndADescriptionThatThrowsSkipsOnlyItsTask() {
		Object other = new Object();
		Object failing = new Object();
		List<String> listed = new ArrayList<>();
		this.sourced.startSweep();
		this.sourced.collect(new Source((seen) -> {
			seen.queued(failing, this.task, 2_000);
			seen.queued(this.executor, this.task, 2_000);
			seen.queued(other, this.task, 2_000);
		}) {

			@Override
			public OverdueTask describe(Object executor, Object task, OverdueTask.State state, long ageNanos,
					Thread runner) {
				if (executor == failing) {
					throw new IllegalStateException("describe");
				}
				return super.describe(executor, task, state, ageNanos, runner);
			}

		}, 10_000, THRESHOLD, (overdue, thread, firstTime) -> listed.add(overdue.state() + " " + firstTime));
		assertThat(listed).containsExactly("QUEUED true", "QUEUED true");
	}

	private List<String> sweep(long now, Consumer<OverdueSource.Observer> sees) {
		List<String> listed = new ArrayList<>();
		this.sourced.startSweep();
		this.sourced.collect(source(sees), now, THRESHOLD, (overdue, thread, firstTime) -> {
			assertThat(thread).isSameAs((overdue.state() == OverdueTask.State.RUNNING) ? this.runner : null);
			listed.add(overdue.state() + " " + overdue.age().toNanos() + " " + (firstTime ? "first" : "again"));
			return true;
		});
		return listed;
	}

	private static OverdueSource source(Consumer<OverdueSource.Observer> sees) {
		return new Source(sees);
	}

	private static class Source implements OverdueSource {

		private final Consumer<OverdueSource.Observer> sees;

		Source(Consumer<OverdueSource.Observer> sees) {
			this.sees = sees;
		}

		@Override
		public boolean watch(Object executor) {
			return true;
		}

		@Override
		public void collect(Observer observer) {
			this.sees.accept(observer);
		}

		@Override
		public OverdueTask describe(Object executor, Object task, OverdueTask.State state, long ageNanos,
				Thread runner) {
			return new OverdueTask("pool", "Task", state, Duration.ofNanos(ageNanos),
					(runner != null) ? runner.getName() : null, null);
		}

	}

}
