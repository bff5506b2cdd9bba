package io.github.leakedtasks.autoconfigure;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.UncaughtReport;
import org.junit.jupiter.api.Test;

import org.springframework.beans.factory.support.StaticListableBeanFactory;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What the listeners of a context that starts are held, and where what cannot be held
 * goes.
 */
class DeferredLeakListenersHoldTests {

	private final Uncaught bean = new Uncaught();

	private final Uncaught other = new Uncaught();

	private final DeferredLeakListeners listeners;

	DeferredLeakListenersHoldTests() {
		StaticListableBeanFactory beans = new StaticListableBeanFactory();
		beans.addBean("listener", this.bean);
		this.listeners = new DeferredLeakListeners(beans.getBeanProvider(LeakListener.class));
	}

	@Test
	void reportsPastTheHoldGoToTheOverflowListenerAndTheHeldOnesToTheBeansOnceTheyExist() {
		this.listeners.overflowTo(this.other);
		report(DeferredLeakListeners.MAX_HELD + 2);
		assertThat(this.other.reports).hasSize(2);
		assertThat(this.bean.reports).isEmpty();
		this.listeners.afterSingletonsInstantiated();
		assertThat(this.bean.reports).hasSize(DeferredLeakListeners.MAX_HELD);
		report(1);
		assertThat(this.bean.reports).hasSize(DeferredLeakListeners.MAX_HELD + 1);
		assertThat(this.other.reports).hasSize(2);
	}

	@Test
	void reportsHeldForAContextThatFailedToStartAreHandedOnAndSoAreLaterOnes() {
		report(3);
		this.listeners.handHeldTo(this.other);
		assertThat(this.other.reports).hasSize(3);
		report(1);
		assertThat(this.other.reports).hasSize(4);
		assertThat(this.bean.reports).isEmpty();
	}

	@Test
	void nothingIsHandedOnOnceTheListenersExist() {
		this.listeners.afterSingletonsInstantiated();
		report(1);
		this.listeners.handHeldTo(this.other);
		assertThat(this.bean.reports).hasSize(1);
		assertThat(this.other.reports).isEmpty();
	}

	/**
	 * A listener bean that takes its time with the events held for it (one waits for a
	 * tracked pool, say) keeps no thread that reports meanwhile waiting: what that thread
	 * reports is held and handed on after.
	 */
	@Test
	void threadThatReportsWhileTheHeldEventsAreHandedOnWaitsForNoListener() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		List<String> executors = new CopyOnWriteArrayList<>();
		StaticListableBeanFactory beans = new StaticListableBeanFactory();
		beans.addBean("listener", new LeakListener() {

			@Override
			public void onExecutor(String executor) {
				executors.add(executor);
				entered.countDown();
				try {
					release.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}

			@Override
			public void onUncaught(UncaughtReport report) {
				executors.add(report.executor());
			}

		});
		DeferredLeakListeners slow = new DeferredLeakListeners(beans.getBeanProvider(LeakListener.class));
		slow.dispatcher().onExecutor("pool");
		ExecutorService starter = Executors.newSingleThreadExecutor();
		try {
			Future<?> started = starter.submit(slow::afterSingletonsInstantiated);
			assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
			ExecutorService reporter = Executors.newSingleThreadExecutor();
			try {
				Future<?> reported = reporter.submit(() -> slow.dispatcher()
					.onUncaught(new UncaughtReport("worker", "task", new IllegalStateException("failed"), null, "main",
							Instant.now(), UncaughtReport.Handler.THREAD)));
				// Returns while the listener still holds the replay.
				reported.get(30, TimeUnit.SECONDS);
				assertThat(executors).containsExactly("pool");
			}
			finally {
				reporter.shutdownNow();
			}
			release.countDown();
			started.get(30, TimeUnit.SECONDS);
			assertThat(executors).containsExactly("pool", "worker");
		}
		finally {
			release.countDown();
			starter.shutdownNow();
		}
	}

	/**
	 * More reports than can be held, made while a listener bean takes its time with the
	 * events held for it, all reach it: those past the hold at once, out of turn.
	 */
	@Test
	void reportsPastTheHoldMadeWhileTheHeldEventsAreHandedOnAreNotLost() throws Exception {
		CountDownLatch entered = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		Uncaught slowBean = new Uncaught() {

			@Override
			public void onExecutor(String executor) {
				entered.countDown();
				try {
					release.await(30, TimeUnit.SECONDS);
				}
				catch (InterruptedException ex) {
					Thread.currentThread().interrupt();
				}
			}

		};
		StaticListableBeanFactory beans = new StaticListableBeanFactory();
		beans.addBean("listener", slowBean);
		DeferredLeakListeners slow = new DeferredLeakListeners(beans.getBeanProvider(LeakListener.class));
		slow.dispatcher().onExecutor("pool");
		ExecutorService starter = Executors.newSingleThreadExecutor();
		try {
			Future<?> started = starter.submit(slow::afterSingletonsInstantiated);
			assertThat(entered.await(30, TimeUnit.SECONDS)).isTrue();
			for (int i = 0; i < DeferredLeakListeners.MAX_HELD + 500; i++) {
				slow.dispatcher()
					.onUncaught(new UncaughtReport("pool", "task", new IllegalStateException("failed " + i), null,
							"main", Instant.now(), UncaughtReport.Handler.THREAD));
			}
			release.countDown();
			started.get(30, TimeUnit.SECONDS);
			assertThat(slowBean.reports).hasSize(DeferredLeakListeners.MAX_HELD + 500);
		}
		finally {
			release.countDown();
			starter.shutdownNow();
		}
	}

	private void report(int count) {
		for (int i = 0; i < count; i++) {
			this.listeners.dispatcher()
				.onUncaught(new UncaughtReport("pool", "task", new IllegalStateException("failed " + i), null, "main",
						Instant.now(), UncaughtReport.Handler.THREAD));
		}
	}

	static class Uncaught implements LeakListener {

		final List<UncaughtReport> reports = new CopyOnWriteArrayList<>();

		@Override
		public void onUncaught(UncaughtReport report) {
			this.reports.add(report);
		}

	}

}
