package io.github.leakedtasks.tracking;

import java.lang.ref.WeakReference;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for {@link SourcedOverdueTasks}: what the detector decides about the tasks a
 * source only sees, which are overdue and which listeners heard of.
 */
class SourcedOverdueTasksTests {

	private static final long THRESHOLD = 1_000;

	private static final int LISTED_AT_MOST = 2;

	private final SourcedOverdueTasks sourced = new SourcedOverdueTasks();

	private final Object executor = new Object();

	private final Object worker = new Object();

	private final Thread runner = new Thread(() -> {
	}, "worker-1");

	private final Object task = new Object();

	private int described;

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
		assertThat(this.described).isZero();
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
	void taskQueuedAgainOnceNoTaskWaitedIsANewHead() {
		sweep(10_000, (seen) -> seen.queued(this.executor, this.task, 2_000));
		sweep(20_000, (seen) -> seen.queued(this.executor, null, 0));
		assertThat(sweep(30_000, (seen) -> seen.queued(this.executor, this.task, 2_000)))
			.containsExactly("QUEUED 2000 first");
	}

	@Test
	void sweepThatDoesNotLookAtAnExecutorForgetsNothing() {
		sweep(10_000, (seen) -> {
			seen.running(this.executor, this.worker, this.task, 5_000, this.runner);
			seen.queued(this.executor, new Object(), 2_000);
		});
		sweep(20_000, (seen) -> {
		});
		assertThat(sweep(30_000, (seen) -> seen.running(this.executor, this.worker, this.task, 5_000, this.runner)))
			.containsExactly("RUNNING 25000 again");
	}

	@Test
	void runningTaskTheListingRefusesIsNotHeardOf() {
		this.sourced.collect(source((seen) -> seen.running(this.executor, this.worker, this.task, 5_000, this.runner)),
				10_000, THRESHOLD, LISTED_AT_MOST, (overdue, thread, firstTime) -> false);
		assertThat(sweep(20_000, (seen) -> seen.running(this.executor, this.worker, this.task, 5_000, this.runner)))
			.containsExactly("RUNNING 15000 first");
	}

	@Test
	void whatListenersHeardOfKeepsNeitherTheExecutorNorItsWorkersAlive() {
		List<WeakReference<Object>> heard = heardOfOneRunAndOneHeadOfANewExecutor();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(heard).allSatisfy((reference) -> assertThat(reference.get()).isNull());
		});
	}

	@Test
	void runOfAWorkerThatIsGoneIsLetGo() {
		heardOfOneRunOfANewWorker();
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.sourced.heardRuns(this.executor)).isZero();
		});
	}

	/**
	 * Methods of their own, so that nothing on the test's frame holds what they made.
	 */
	private List<WeakReference<Object>> heardOfOneRunAndOneHeadOfANewExecutor() {
		Object executor = new Object();
		Object worker = new Object();
		assertThat(heardOf(executor, worker)).containsExactly("RUNNING 5000 first", "QUEUED 2000 first");
		assertThat(this.sourced.heardRuns(executor)).isOne();
		return List.of(new WeakReference<>(executor), new WeakReference<>(worker));
	}

	private void heardOfOneRunOfANewWorker() {
		assertThat(heardOf(this.executor, new Object())).containsExactly("RUNNING 5000 first", "QUEUED 2000 first");
		assertThat(this.sourced.heardRuns(this.executor)).isOne();
	}

	private List<String> heardOf(Object executor, Object worker) {
		Object head = new Object();
		return sweep(10_000, (seen) -> {
			seen.running(executor, worker, this.task, 5_000, this.runner);
			seen.queued(executor, head, 2_000);
		});
	}

	@Test
	void taskTheListingRefusesIsNotHeardOf() {
		List<String> refused = new ArrayList<>();
		this.sourced.collect(source((seen) -> seen.queued(this.executor, this.task, 2_000)), 10_000, THRESHOLD,
				LISTED_AT_MOST, (overdue, thread, firstTime) -> {
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

		}, 10_000, THRESHOLD, LISTED_AT_MOST,
				(overdue, thread, firstTime) -> listed.add(overdue.state() + " " + firstTime));
		assertThat(listed).containsExactly("QUEUED true", "QUEUED true");
	}

	@Test
	void tasksBehindTheHeadAreListedFromTheOldestUpToTheLimitAndAllCounted() {
		Object second = new Object();
		Object third = new Object();
		assertThat(sweep(10_000, (seen) -> {
			seen.queued(this.executor, this.task, 4_000);
			seen.queuedBehind(this.executor, 5, List.of(second, third, new Object()),
					new long[] { 3_000, 2_000, 1_500 });
		})).containsExactly("QUEUED 4000 first", "QUEUED 3000 first", "QUEUED 2000 first", "also 3 of pool");
	}

	@Test
	void tasksBehindTheHeadThatWaitedLessThanTheThresholdAreNeitherListedNorCounted() {
		assertThat(sweep(10_000, (seen) -> seen.queuedBehind(this.executor, 0, List.of(this.task, new Object()),
				new long[] { 999, 2_000 })))
			.isEmpty();
		assertThat(this.described).isZero();
	}

	@Test
	void taskHeardOfBehindTheHeadIsNotHeardOfAgainAtTheHeadNorWhenItRuns() {
		assertThat(sweep(10_000, (seen) -> {
			seen.queued(this.executor, new Object(), 4_000);
			seen.queuedBehind(this.executor, 1, List.of(this.task), new long[] { 3_000 });
		})).containsExactly("QUEUED 4000 first", "QUEUED 3000 first");
		assertThat(
				sweep(20_000, (seen) -> seen.queuedBehind(this.executor, 1, List.of(this.task), new long[] { 13_000 })))
			.containsExactly("QUEUED 13000 again");
		assertThat(sweep(30_000, (seen) -> seen.queued(this.executor, this.task, 23_000)))
			.containsExactly("QUEUED 23000 again");
		assertThat(sweep(40_000, (seen) -> seen.running(this.executor, this.worker, this.task, 35_000, this.runner)))
			.containsExactly("RUNNING 5000 again");
	}

	@Test
	void taskHeardOfBehindTheHeadThatRanWithoutBeingSeenAtTheHeadIsNotHeardOfAgain() {
		sweep(10_000, (seen) -> {
			seen.queued(this.executor, new Object(), 4_000);
			seen.queuedBehind(this.executor, 1, List.of(this.task), new long[] { 3_000 });
		});
		sweep(20_000, (seen) -> {
			seen.running(this.executor, this.worker, this.task, 19_500, this.runner);
			seen.queued(this.executor, null, 0);
		});
		assertThat(sweep(30_000, (seen) -> seen.running(this.executor, this.worker, this.task, 19_500, this.runner)))
			.containsExactly("RUNNING 10500 again");
	}

	@Test
	void taskHeardOfWhileQueuedThatAWorkerTookBetweenTheReadsOfTheNextSweepIsNotHeardOfAgainWhenItRuns() {
		sweep(10_000, (seen) -> {
			seen.queued(this.executor, new Object(), 4_000);
			seen.queuedBehind(this.executor, 1, List.of(this.task), new long[] { 3_000 });
		});
		// Neither running when the worker was read, nor queued when the queue was.
		sweep(20_000, (seen) -> seen.queued(this.executor, null, 0));
		assertThat(sweep(30_000, (seen) -> seen.running(this.executor, this.worker, this.task, 25_000, this.runner)))
			.containsExactly("RUNNING 5000 again");
	}

	@Test
	void taskObjectHeardOfAtTheHeadIsHeardOfAgainWhenALaterRunOfItIsOverdue() {
		sweep(10_000, (seen) -> seen.queued(this.executor, this.task, 4_000));
		sweep(20_000, (seen) -> {
			seen.running(this.executor, this.worker, this.task, 19_500, this.runner);
			seen.queued(this.executor, null, 0);
		});
		sweep(30_000, (seen) -> seen.queued(this.executor, null, 0));
		assertThat(sweep(100_000, (seen) -> seen.running(this.executor, this.worker, this.task, 95_000, this.runner)))
			.containsExactly("RUNNING 5000 first");
		assertThat(sweep(110_000, (seen) -> seen.taken(this.executor, this.worker, this.task, 105_000)))
			.containsExactly("QUEUED 5000 first");
	}

	@Test
	void taskQueuedAgainBehindTheHeadOnceNoTaskWaitedIsNew() {
		sweep(10_000, (seen) -> seen.queuedBehind(this.executor, 1, List.of(this.task), new long[] { 3_000 }));
		sweep(20_000, (seen) -> seen.queued(this.executor, null, 0));
		assertThat(
				sweep(30_000, (seen) -> seen.queuedBehind(this.executor, 1, List.of(this.task), new long[] { 3_000 })))
			.containsExactly("QUEUED 3000 first");
	}

	@Test
	void taskBehindTheHeadTheListingRefusesIsNotHeardOfAndTheTasksBehindItAreStillLookedAt() {
		List<String> refused = new ArrayList<>();
		this.sourced.collect(
				source((seen) -> seen.queuedBehind(this.executor, 3, List.of(this.task, new Object()),
						new long[] { 3_000, 2_000 })),
				10_000, THRESHOLD, LISTED_AT_MOST, new SourcedOverdueTasks.Listing() {

					@Override
					public boolean overdue(OverdueTask task, Thread runner, boolean firstTime) {
						refused.add(task.state() + " " + task.age().toNanos() + " " + firstTime);
						return task.age().toNanos() != 3_000;
					}

					@Override
					public void alsoOverdue(String executor, int count) {
						refused.add("also " + count);
					}

				});
		assertThat(refused).containsExactly("QUEUED 3000 true", "QUEUED 2000 true", "also 2");
		assertThat(
				sweep(20_000, (seen) -> seen.queuedBehind(this.executor, 1, List.of(this.task), new long[] { 13_000 })))
			.containsExactly("QUEUED 13000 first");
	}

	@Test
	void wrappersTasksAreLeftToTheirWrapperAndTheTasksQueuedWithThemAreStillListedAndCounted() {
		Object wrappers = new Object();
		Object second = new Object();
		Object third = new Object();
		List<String> listed = new ArrayList<>();
		this.sourced.collect(sourceLeavingOut(wrappers, (seen) -> {
			seen.running(this.executor, this.worker, wrappers, 5_000, this.runner);
			seen.queued(this.executor, wrappers, 4_000);
			seen.queuedBehind(this.executor, 4, List.of(wrappers, second, third), new long[] { 3_000, 2_500, 2_000 });
		}), 10_000, THRESHOLD, LISTED_AT_MOST, recording(listed));
		// Behind the head: four overdue, one the wrapper's, two listed.
		assertThat(listed).containsExactly("QUEUED 2500 true", "QUEUED 2000 true", "also 1 of pool");
		assertThat(this.sourced.heardRuns(this.executor)).isZero();
		// Behind a head of the wrapper's, only wrappers' tasks in the window read: those
		// past it are counted under the name the source gave the executor before.
		listed.clear();
		this.sourced.collect(sourceLeavingOut(wrappers, (seen) -> {
			seen.queued(this.executor, wrappers, 14_000);
			seen.queuedBehind(this.executor, 3, List.of(wrappers), new long[] { 13_000 });
		}), 20_000, THRESHOLD, LISTED_AT_MOST, recording(listed));
		assertThat(listed).containsExactly("also 2 of pool");
		// Named after a running task of the source's too.
		Object other = new Object();
		listed.clear();
		this.sourced.collect(sourceLeavingOut(wrappers, (seen) -> {
			seen.running(other, this.worker, this.task, 5_000, this.runner);
			seen.queued(other, wrappers, 4_000);
			seen.queuedBehind(other, 2, List.of(wrappers), new long[] { 3_000 });
		}), 30_000, THRESHOLD, LISTED_AT_MOST, recording(listed));
		assertThat(listed).containsExactly("RUNNING 25000 true", "also 1 of pool");
	}

	/**
	 * A source that leaves out a wrapper's task, whose record is listed instead.
	 */
	private OverdueSource sourceLeavingOut(Object wrappers, Consumer<OverdueSource.Observer> sees) {
		return new Source(sees) {

			@Override
			public OverdueTask describe(Object executor, Object task, OverdueTask.State state, long ageNanos,
					Thread runner) {
				return (task == wrappers) ? null : super.describe(executor, task, state, ageNanos, runner);
			}

		};
	}

	private static SourcedOverdueTasks.Listing recording(List<String> listed) {
		return new SourcedOverdueTasks.Listing() {

			@Override
			public boolean overdue(OverdueTask overdue, Thread thread, boolean firstTime) {
				listed.add(overdue.state() + " " + overdue.age().toNanos() + " " + firstTime);
				return true;
			}

			@Override
			public void alsoOverdue(String executor, int count) {
				listed.add("also " + count + " of " + executor);
			}

		};
	}

	@Test
	void taskAWorkerTookButHasNotStartedIsListedQueuedHeardOfOnceAndNotAgainWhenItRuns() {
		assertThat(sweep(10_000, (seen) -> seen.taken(this.executor, this.worker, this.task, 5_000)))
			.containsExactly("QUEUED 5000 first");
		assertThat(sweep(20_000, (seen) -> seen.taken(this.executor, this.worker, this.task, 5_000)))
			.containsExactly("QUEUED 15000 again");
		assertThat(sweep(30_000, (seen) -> seen.running(this.executor, this.worker, this.task, 25_000, this.runner)))
			.containsExactly("RUNNING 5000 again");
	}

	@Test
	void taskHeardOfAtTheHeadIsNotHeardOfAgainWhenAWorkerTookIt() {
		sweep(10_000, (seen) -> seen.queued(this.executor, this.task, 2_000));
		assertThat(sweep(20_000, (seen) -> {
			seen.queued(this.executor, null, 0);
			seen.taken(this.executor, this.worker, this.task, 12_000);
		})).containsExactly("QUEUED 8000 again");
	}

	@Test
	void nextTaskTheSameWorkerTookIsHeardOfAgain() {
		sweep(10_000, (seen) -> seen.taken(this.executor, this.worker, this.task, 5_000));
		assertThat(sweep(20_000, (seen) -> seen.taken(this.executor, this.worker, new Object(), 12_000)))
			.containsExactly("QUEUED 8000 first");
	}

	@Test
	void taskHeardOfBehindTheHeadIsNotHeardOfAgainWhenItRunsAfterTheNextHeadsWereToo() {
		Object first = new Object();
		Object second = new Object();
		assertThat(sweep(10_000, (seen) -> {
			seen.queued(this.executor, new Object(), 4_000);
			seen.queuedBehind(this.executor, 2, List.of(first, second), new long[] { 3_000, 2_000 });
		})).containsExactly("QUEUED 4000 first", "QUEUED 3000 first", "QUEUED 2000 first");
		assertThat(sweep(20_000, (seen) -> {
			seen.queued(this.executor, first, 13_000);
			seen.queuedBehind(this.executor, 1, List.of(second), new long[] { 12_000 });
		})).containsExactly("QUEUED 13000 again", "QUEUED 12000 again");
		// The first runs, not yet overdue; the second is the head.
		assertThat(sweep(30_000, (seen) -> {
			seen.running(this.executor, this.worker, first, 29_500, this.runner);
			seen.queued(this.executor, second, 22_000);
		})).containsExactly("QUEUED 22000 again");
		assertThat(sweep(40_000, (seen) -> {
			seen.running(this.executor, this.worker, first, 29_500, this.runner);
			seen.taken(this.executor, new Object(), second, 35_000);
			seen.queued(this.executor, null, 0);
		})).containsExactly("RUNNING 10500 again", "QUEUED 5000 again");
	}

	@Test
	void taskNotListedAtTheLatestListingBehindTheHeadIsNewWhenListedAgain() {
		sweep(10_000, (seen) -> seen.queuedBehind(this.executor, 1, List.of(this.task), new long[] { 3_000 }));
		sweep(20_000, (seen) -> seen.queuedBehind(this.executor, 1, List.of(new Object()), new long[] { 3_000 }));
		assertThat(
				sweep(30_000, (seen) -> seen.queuedBehind(this.executor, 1, List.of(this.task), new long[] { 3_000 })))
			.containsExactly("QUEUED 3000 first");
	}

	@Test
	void manyTasksHeardOfBehindTheHeadAndKeptAliveNeverMakeOneStillQueuedOrJustStartedHeardOfAgain() {
		List<Object> tasks = new ArrayList<>();
		for (int i = 0; i < 3_000; i++) {
			tasks.add(new Object());
		}
		assertThat(
				sweep(10_000,
						(seen) -> seen.queuedBehind(this.executor, 2, List.of(tasks.get(0), tasks.get(1)),
								new long[] { 3_000, 2_000 })))
			.containsExactly("QUEUED 3000 first", "QUEUED 2000 first");
		for (int i = 1; i + 1 < tasks.size(); i++) {
			Object ran = tasks.get(i - 1);
			List<Object> listed = List.of(tasks.get(i), tasks.get(i + 1));
			long now = 10_000L * (i + 1);
			assertThat(sweep(now, (seen) -> {
				seen.running(this.executor, new Object(), ran, now - 5_000, this.runner);
				seen.queuedBehind(this.executor, 2, listed, new long[] { 3_000, 2_000 });
			})).as("sweep %d", i).containsExactly("RUNNING 5000 again", "QUEUED 3000 again", "QUEUED 2000 first");
		}
	}

	private List<String> sweep(long now, Consumer<OverdueSource.Observer> sees) {
		List<String> listed = new ArrayList<>();
		this.sourced.collect(source(sees), now, THRESHOLD, LISTED_AT_MOST, new SourcedOverdueTasks.Listing() {

			@Override
			public boolean overdue(OverdueTask overdue, Thread thread, boolean firstTime) {
				assertThat(thread).isSameAs(
						(overdue.state() == OverdueTask.State.RUNNING) ? SourcedOverdueTasksTests.this.runner : null);
				listed.add(overdue.state() + " " + overdue.age().toNanos() + " " + (firstTime ? "first" : "again"));
				return true;
			}

			@Override
			public void alsoOverdue(String executor, int count) {
				listed.add("also " + count + " of " + executor);
			}

		});
		return listed;
	}

	private OverdueSource source(Consumer<OverdueSource.Observer> sees) {
		return new Source(sees);
	}

	private class Source implements OverdueSource {

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
			SourcedOverdueTasksTests.this.described++;
			return new OverdueTask("pool", "Task", state, Duration.ofNanos(ageNanos),
					(runner != null) ? runner.getName() : null, null);
		}

	}

}
