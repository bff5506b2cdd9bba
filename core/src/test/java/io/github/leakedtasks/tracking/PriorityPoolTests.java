package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.Callable;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.FutureTask;
import java.util.concurrent.PriorityBlockingQueue;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.ThreadPoolExecutor;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

/**
 * Tests for pools whose {@code newTaskFor} or {@code decorateTask} is the application's,
 * which receives the task to make the pool's future from: the priority pool, which reads
 * a priority from the task. A task of a named class reaches that code as it is; the
 * engine's task stands in only for a lambda's, which that code cannot tell from it.
 */
class PriorityPoolTests {

	private final TrackerFixture fixture = new TrackerFixture();

	@AfterEach
	void close() throws InterruptedException {
		this.fixture.close();
	}

	@Test
	void priorityPoolReadsThePriorityOfTheTaskSubmittedAsUnwrapped() throws Exception {
		for (boolean tracked : new boolean[] { false, true }) {
			PriorityPool pool = this.fixture.register(new PriorityPool());
			ExecutorService executor = tracked ? this.fixture.tracker.wrap("priority", pool) : pool;
			assertThat(executor.submit(new Prioritized(5)).get(30, TimeUnit.SECONDS)).isEqualTo(5);
			assertThat(executor.submit(new PrioritizedRunnable(7), "done").get(30, TimeUnit.SECONDS)).isEqualTo("done");
			assertThat(executor.submit(new PrioritizedRunnable(9)).get(30, TimeUnit.SECONDS)).isNull();
			assertThat(pool.priorities).as("tracked: %s", tracked).containsExactly(5, 7, 9);
		}
		assertThat(this.fixture.tracker.untrackedTypes()).extracting(UntrackedType::type)
			.contains(Prioritized.class.getName(), PrioritizedRunnable.class.getName());
		assertThat(this.fixture.tracker.untrackedTypes())
			.filteredOn((untracked) -> untracked.type().equals(Prioritized.class.getName()))
			.singleElement()
			.satisfies((untracked) -> assertThat(untracked.reason()).contains("newTaskFor or decorateTask"));
	}

	@Test
	void scheduledPoolDecoratesTheTaskScheduledAsUnwrapped() throws Exception {
		for (boolean tracked : new boolean[] { false, true }) {
			DecoratingScheduledPool pool = this.fixture.register(new DecoratingScheduledPool());
			ScheduledExecutorService executor = tracked ? this.fixture.tracker.wrap("decorating", pool) : pool;
			assertThat(executor.schedule(new Prioritized(3), 1, TimeUnit.MILLISECONDS).get(30, TimeUnit.SECONDS))
				.isEqualTo(3);
			assertThat(
					executor.schedule(new PrioritizedRunnable(4), 1, TimeUnit.MILLISECONDS).get(30, TimeUnit.SECONDS))
				.isNull();
			executor.scheduleAtFixedRate(new PrioritizedRunnable(6), 0, 1, TimeUnit.HOURS);
			await().atMost(Duration.ofSeconds(30)).until(() -> pool.priorities.size() == 3);
			// A scheduled pool's execute and submit schedule the task, as decorateTask
			// sees.
			executor.execute(new PrioritizedRunnable(8));
			assertThat(executor.submit(new Prioritized(10)).get(30, TimeUnit.SECONDS)).isEqualTo(10);
			await().atMost(Duration.ofSeconds(30)).until(() -> pool.priorities.size() == 5);
			assertThat(pool.priorities).as("tracked: %s", tracked).containsExactly(3, 4, 6, 8, 10);
		}
	}

	/**
	 * A subclass a proxy generated (Spring's CGLIB names it so) overrides the hooks to
	 * call the ones it overrides: whose the hook is, is read from the class it extends,
	 * here the JDK's, so a named task keeps the engine's task and its lost failure is
	 * reported.
	 */
	@Test
	void lostFailureOfANamedTaskOnAPoolAProxyExtendsIsReported() {
		ExecutorService executor = this.fixture.tracker.wrap("generated",
				this.fixture.register(new Pool$$SpringCGLIB$$0()));
		TrackerFixture.awaitDone(executor.submit(new Failing()));
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("generated")).hasSize(1);
		});
	}

	/**
	 * A scheduled pool whose {@code newTaskFor} is its own, which none of its methods
	 * calls, is given the engine's task: a named task's lost failure is reported.
	 */
	@Test
	void lostFailureOfANamedTaskOnAScheduledPoolWithAnUnusedNewTaskForIsReported() {
		ScheduledExecutorService executor = this.fixture.tracker.wrap("unused",
				this.fixture.register(new UnusedNewTaskForScheduledPool()));
		TrackerFixture.awaitDone(executor.schedule(new Failing(), 1, TimeUnit.MILLISECONDS));
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("unused")).hasSize(1);
		});
	}

	/**
	 * A {@code $$} alone is no proxy's: Scala names an anonymous class, a priority pool
	 * written inline, {@code Outer$$anon$1}.
	 */
	@Test
	void priorityPoolNamedAsAScalaAnonymousClassReadsThePriorityOfTheTaskSubmittedAsUnwrapped() throws Exception {
		Inline$$anon$1 pool = this.fixture.register(new Inline$$anon$1());
		ExecutorService executor = this.fixture.tracker.wrap("inline", pool);
		assertThat(executor.submit(new Prioritized(5)).get(30, TimeUnit.SECONDS)).isEqualTo(5);
		assertThat(pool.priorities).containsExactly(5);
	}

	@Test
	void lostFailureOfALambdaOnAPoolWithItsOwnNewTaskForIsStillReported() {
		// (The futures of the priority pool above are Comparable, which no view can stand
		// in for: its tasks' failures are not tracked whatever the task.)
		ExecutorService executor = this.fixture.tracker.wrap("priority",
				this.fixture.register(new ReviewFindingsTests.OwnTaskPool(new ThreadPoolExecutor.AbortPolicy())));
		TrackerFixture.loseFailure(executor);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.fixture.listener.leaksOf("priority")).hasSize(1);
		});
	}

	interface HasPriority {

		int priority();

	}

	static final class Prioritized implements Callable<Integer>, HasPriority {

		private final int priority;

		Prioritized(int priority) {
			this.priority = priority;
		}

		@Override
		public int priority() {
			return this.priority;
		}

		@Override
		public Integer call() {
			return this.priority;
		}

	}

	static final class PrioritizedRunnable implements Runnable, HasPriority {

		private final int priority;

		PrioritizedRunnable(int priority) {
			this.priority = priority;
		}

		@Override
		public int priority() {
			return this.priority;
		}

		@Override
		public void run() {
		}

	}

	/**
	 * The priority pool of many answers: its futures carry the priority of their task,
	 * read from what {@code newTaskFor} receives; other tasks get the lowest.
	 */
	static final class PriorityPool extends ThreadPoolExecutor {

		final List<Integer> priorities = new CopyOnWriteArrayList<>();

		PriorityPool() {
			super(1, 1, 0, TimeUnit.SECONDS, new PriorityBlockingQueue<>());
		}

		@Override
		protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
			return new PriorityFuture<>(callable, null, priorityOf(callable));
		}

		@Override
		protected <T> RunnableFuture<T> newTaskFor(Runnable runnable, T value) {
			return new PriorityFuture<>(null, new Object[] { runnable, value }, priorityOf(runnable));
		}

		private int priorityOf(Object task) {
			if (!(task instanceof HasPriority prioritized)) {
				return 0;
			}
			this.priorities.add(prioritized.priority());
			return prioritized.priority();
		}

	}

	static final class PriorityFuture<T> extends FutureTask<T> implements Comparable<PriorityFuture<?>> {

		private final int priority;

		@SuppressWarnings("unchecked")
		PriorityFuture(Callable<T> callable, Object[] runnable, int priority) {
			super((callable != null) ? callable : () -> {
				((Runnable) runnable[0]).run();
				return (T) runnable[1];
			});
			this.priority = priority;
		}

		@Override
		public int compareTo(PriorityFuture<?> other) {
			return Integer.compare(other.priority, this.priority);
		}

	}

	static final class Failing implements Callable<Object> {

		@Override
		public Object call() {
			throw new IllegalStateException("lost");
		}

	}

	/**
	 * What a CGLIB or Byte Buddy subclass of a pool looks like.
	 */
	static final class Pool$$SpringCGLIB$$0 extends ThreadPoolExecutor {

		Pool$$SpringCGLIB$$0() {
			super(1, 1, 0, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>());
		}

		@Override
		protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
			return super.newTaskFor(callable);
		}

	}

	/**
	 * A priority pool as Scala names an anonymous class.
	 */
	static final class Inline$$anon$1 extends ThreadPoolExecutor {

		final List<Integer> priorities = new CopyOnWriteArrayList<>();

		Inline$$anon$1() {
			super(1, 1, 0, TimeUnit.SECONDS, new java.util.concurrent.LinkedBlockingQueue<>());
		}

		@Override
		protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
			this.priorities.add(((HasPriority) callable).priority());
			return super.newTaskFor(callable);
		}

	}

	static final class UnusedNewTaskForScheduledPool extends ScheduledThreadPoolExecutor {

		UnusedNewTaskForScheduledPool() {
			super(1);
		}

		@Override
		protected <T> RunnableFuture<T> newTaskFor(Callable<T> callable) {
			return new FutureTask<>(callable);
		}

	}

	/**
	 * A scheduled pool whose {@code decorateTask} reads the task it receives.
	 */
	static final class DecoratingScheduledPool extends ScheduledThreadPoolExecutor {

		final List<Integer> priorities = new CopyOnWriteArrayList<>();

		DecoratingScheduledPool() {
			super(1);
		}

		@Override
		protected <V> RunnableScheduledFuture<V> decorateTask(Runnable runnable, RunnableScheduledFuture<V> task) {
			this.priorities.add(((HasPriority) runnable).priority());
			return task;
		}

		@Override
		protected <V> RunnableScheduledFuture<V> decorateTask(Callable<V> callable, RunnableScheduledFuture<V> task) {
			this.priorities.add(((HasPriority) callable).priority());
			return task;
		}

	}

}
