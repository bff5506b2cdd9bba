package io.github.leakedtasks.tracking;

import java.time.Duration;
import java.util.concurrent.Callable;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ForkJoinPool;
import java.util.concurrent.ThreadFactory;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatIllegalArgumentException;
import static org.awaitility.Awaitility.await;

/**
 * Names of the executors a source of events sees without wrapping them: failures on their
 * threads are reported under a name a user can read.
 */
class ExecutorNamingTests {

	private final TaskTracker tracker = TaskTracker
		.create(TrackingSettings.builder().gracePeriod(Duration.ofMinutes(1)).build());

	private final RecordingListener listener = new RecordingListener();

	private final FutureEvents events = new FutureEvents(this.tracker, "agent");

	ExecutorNamingTests() {
		this.tracker.addListener(this.listener);
	}

	@AfterEach
	void close() {
		this.tracker.close();
	}

	@Test
	void counterOfAPoolsThreadsIsDropped() {
		assertThat(ExecutorNaming.withoutCounter("pool-3-thread-1")).isEqualTo("pool-3");
		assertThat(ExecutorNaming.withoutCounter("ForkJoinPool-2-worker-15")).isEqualTo("ForkJoinPool-2");
		assertThat(ExecutorNaming.withoutCounter("billing-7")).isEqualTo("billing");
		assertThat(ExecutorNaming.withoutCounter("billing_7")).isEqualTo("billing");
		assertThat(ExecutorNaming.withoutCounter("worker12")).isEqualTo("worker");
		assertThat(ExecutorNaming.withoutCounter("billing")).isEqualTo("billing");
		assertThat(ExecutorNaming.withoutCounter("12")).isEqualTo("12");
		assertThat(ExecutorNaming.withoutCounter("")).isEmpty();
	}

	@Test
	void failureOnAThreadOfNoKnownExecutorIsReportedUnderTheSourcesName() throws Exception {
		assertThat(reportedExecutor(null, "main")).isEqualTo("agent");
	}

	@Test
	void executorNamedByIdentityIsReportedUnderItsName() throws Exception {
		ExecutorService pool = Executors.newSingleThreadExecutor();
		try {
			this.tracker.nameExecutor(pool, "reportsExecutor");
			assertThat(reportedExecutor(pool, "pool-9-thread-1")).isEqualTo("reportsExecutor");
		}
		finally {
			pool.shutdown();
		}
	}

	@Test
	void executorBehindDelegatesIsFoundAsFarAsTheyCanBeLookedBehind() {
		Object pool = new Object();
		Object inner = new Object();
		Object outer = new Object();
		assertThat(this.tracker.executorBehind(outer)).isSameAs(outer);
		this.tracker.lookBehindDelegates((executor) -> (executor == outer) ? inner : (executor == inner) ? pool : null);
		assertThat(this.tracker.executorBehind(outer)).isSameAs(pool);
		assertThat(this.tracker.executorBehind(pool)).isSameAs(pool);
		assertThat(this.tracker.executorBehind(null)).isNull();
		// An executor that delegates to itself, or whose look-up throws, is its own.
		this.tracker.lookBehindDelegates((executor) -> {
			if (executor == outer) {
				return outer;
			}
			throw new IllegalStateException("unreadable");
		});
		assertThat(this.tracker.executorBehind(outer)).isSameAs(outer);
		assertThat(this.tracker.executorBehind(inner)).isSameAs(inner);
		// A cycle ends after a few delegates.
		this.tracker.lookBehindDelegates((executor) -> (executor == outer) ? inner : outer);
		assertThat(this.tracker.executorBehind(outer)).isIn(outer, inner);
	}

	@Test
	void commonPoolIsNamedCommonPool() throws Exception {
		assertThat(reportedExecutor(ForkJoinPool.commonPool(), "ForkJoinPool.commonPool-worker-3"))
			.isEqualTo("commonPool");
	}

	@Test
	void otherExecutorIsNamedAfterItsThreads() throws Exception {
		assertThat(reportedExecutor(new Object(), "pool-4-thread-2")).isEqualTo("pool-4");
		assertThat(reportedExecutor(new Object(), "mail-sender-3")).isEqualTo("mail-sender");
	}

	@Test
	void executorWhoseThreadsHaveDefaultNamesIsNamedAfterItsClass() throws Exception {
		assertThat(reportedExecutor(new Object(), "Thread-17")).isEqualTo("Object");
	}

	@Test
	void threadsNamedByPrefixAreReportedUnderTheName() throws Exception {
		this.tracker.nameThreads("mailer-", "mailExecutor");
		assertThat(reportedExecutor(null, "mailer-4")).isEqualTo("mailExecutor");
		assertThat(reportedExecutor(new Object(), "mailer-5")).isEqualTo("mailExecutor");
	}

	@Test
	void longestPrefixWins() throws Exception {
		this.tracker.nameThreads("task-", "applicationTaskExecutor");
		this.tracker.nameThreads("task-scheduler-", "taskScheduler");
		assertThat(reportedExecutor(null, "task-scheduler-1")).isEqualTo("taskScheduler");
		assertThat(reportedExecutor(null, "task-2")).isEqualTo("applicationTaskExecutor");
	}

	@Test
	void nameReadWhenTheFirstWorkerStartedOutlivesARenamedThread() throws Exception {
		Object pool = new Object();
		ExecutorService starting = Executors.newSingleThreadExecutor((runnable) -> new Thread(runnable, "orders-1"));
		try {
			starting.submit(() -> this.events.workerStarted(pool)).get();
		}
		finally {
			starting.shutdown();
		}
		assertThat(reportedExecutor(pool, "request-4711")).isEqualTo("orders");
	}

	@Test
	void namesReadFromThreadsAreBoundedThenTheSourcesNameIsUsed() throws Exception {
		for (int i = 0; i < SourceExecutors.MAX_READABLE_NAMES; i++) {
			fail(new Object(), "bounded" + i + "-thread-1", "bounded " + i);
		}
		awaitReports(SourceExecutors.MAX_READABLE_NAMES);
		assertThat(reportedExecutor(new Object(), "bounded0-thread-2")).isEqualTo("bounded0");
		assertThat(reportedExecutor(new Object(), "unbounded-thread-1")).isEqualTo("agent");
		// Names given by integrations are not bounded by it.
		Object named = new Object();
		this.tracker.nameExecutor(named, "namedExecutor");
		assertThat(reportedExecutor(named, "unbounded-thread-2")).isEqualTo("namedExecutor");
		assertThat(reportedExecutor(ForkJoinPool.commonPool(), "worker-1")).isEqualTo("commonPool");
		assertThat(this.tracker.executorNames()).hasSize(SourceExecutors.MAX_READABLE_NAMES + 3);
	}

	@Test
	void emptyNamesAreRejected() {
		assertThatIllegalArgumentException().isThrownBy(() -> this.tracker.nameExecutor(new Object(), ""));
		assertThatIllegalArgumentException().isThrownBy(() -> this.tracker.nameExecutor(null, "name"));
		assertThatIllegalArgumentException().isThrownBy(() -> this.tracker.nameThreads("", "name"));
		assertThatIllegalArgumentException().isThrownBy(() -> this.tracker.nameThreads("prefix-", null));
	}

	/**
	 * Fail an ignored future on a thread of this name, as a worker of the executor, and
	 * return the executor its report names.
	 */
	private String reportedExecutor(Object executor, String threadName) throws Exception {
		String message = "on " + threadName;
		fail(executor, threadName, message);
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaks).anyMatch((report) -> message.equals(report.exception().getMessage()));
		});
		return this.listener.leaks.stream()
			.filter((report) -> message.equals(report.exception().getMessage()))
			.findFirst()
			.orElseThrow()
			.executor();
	}

	private void fail(Object executor, String threadName, String message) throws Exception {
		ThreadFactory named = (runnable) -> new Thread(runnable, threadName);
		ExecutorService thread = Executors.newSingleThreadExecutor(named);
		try {
			Callable<Object> failing = () -> {
				this.events.failed(new Object(), new IllegalStateException(message), executor);
				return null;
			};
			thread.submit(failing).get();
		}
		finally {
			thread.shutdown();
		}
	}

	private void awaitReports(int count) {
		await().atMost(Duration.ofSeconds(30)).untilAsserted(() -> {
			System.gc();
			assertThat(this.listener.leaks).hasSizeGreaterThanOrEqualTo(count);
		});
	}

}
