package io.github.leakedtasks.autoconfigure;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;

import io.github.leakedtasks.tracking.LeakGroup;
import io.github.leakedtasks.tracking.LeakListener;
import io.github.leakedtasks.tracking.LeakReport;
import io.github.leakedtasks.tracking.OverdueTask;
import io.github.leakedtasks.tracking.UncaughtReport;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;

/**
 * Hands the tracker's events to the {@link LeakListener} beans once every singleton is
 * instantiated, and holds those that happen before. The tracker is created while the
 * first executor bean is post-processed, when a listener that depends on an executor bean
 * cannot be created yet.
 *
 * @since 0.1.0
 */
final class DeferredLeakListeners implements SmartInitializingSingleton {

	/**
	 * Most leak and uncaught events held before start-up completes; executor events are
	 * always held, one per executor.
	 */
	static final int MAX_HELD = 1000;

	private static final Log logger = LogFactory.getLog(DeferredLeakListeners.class);

	private final ObjectProvider<LeakListener> provider;

	private final List<Held> held = new ArrayList<>();

	private int dropped;

	private final LeakListener dispatcher = new Dispatcher();

	private volatile List<LeakListener> listeners;

	/**
	 * The listener beans while the held events are handed to them: what cannot be held
	 * meanwhile goes to them at once, out of turn, rather than be dropped.
	 */
	private List<LeakListener> replayingTo;

	private LeakListener overflow;

	DeferredLeakListeners(ObjectProvider<LeakListener> provider) {
		this.provider = provider;
	}

	/**
	 * Return the listener to add to the tracker, which hands its events on.
	 */
	LeakListener dispatcher() {
		return this.dispatcher;
	}

	/**
	 * Hand the held events to the listener beans, in the order they happened, then every
	 * event as it comes. The listeners are the application's code: they are called
	 * outside the lock, so that a thread reporting meanwhile (a worker whose task threw)
	 * waits for no listener; what it reports is held and handed on after what was held
	 * before it.
	 */
	@Override
	public void afterSingletonsInstantiated() {
		List<LeakListener> resolved = this.provider.orderedStream().toList();
		while (true) {
			List<Held> batch;
			synchronized (this.held) {
				if (this.listeners != null) {
					// Handed to another listener meanwhile (see handHeldTo).
					return;
				}
				if (this.held.isEmpty()) {
					this.replayingTo = null;
					this.listeners = resolved;
					if (this.dropped > 0) {
						logger.warn(this.dropped + " leak reports made while the application started were not "
								+ "handed to the listeners: more than " + MAX_HELD + " were held for them");
					}
					return;
				}
				batch = new ArrayList<>(this.held);
				this.held.clear();
				this.replayingTo = resolved;
			}
			batch.forEach((event) -> deliver(event.event(), resolved));
		}
	}

	/**
	 * Hand the reports past those that can be held to another listener rather than drop
	 * them: with the Java agent, the one that would report them otherwise.
	 * @param other the listener
	 */
	void overflowTo(LeakListener other) {
		synchronized (this.held) {
			this.overflow = other;
		}
	}

	/**
	 * Hand the reports held for listeners that will never be resolved (the application
	 * failed to start) to another listener, which reports instead, and any that still
	 * arrive; executor events are left out, as it heard of every executor itself.
	 * @param other the listener that reports instead
	 */
	void handHeldTo(LeakListener other) {
		List<LeakListener> instead = List.of(other);
		List<Held> handed;
		synchronized (this.held) {
			if (this.listeners != null) {
				return;
			}
			handed = new ArrayList<>(this.held);
			this.held.clear();
			// And a report the engine was handing over as this listener was detached.
			this.listeners = instead;
		}
		// Outside the lock: the other listener takes the shared engine's, which holds it
		// while it tells a listener being attached of every executor.
		handed.stream().filter((event) -> !event.executorEvent()).forEach((event) -> deliver(event.event(), instead));
	}

	private void dispatch(Consumer<LeakListener> event, boolean executorEvent) {
		List<LeakListener> current = this.listeners;
		if (current == null) {
			synchronized (this.held) {
				current = this.listeners;
				if (current == null) {
					if (executorEvent || this.held.size() < MAX_HELD) {
						this.held.add(new Held(event, executorEvent));
						return;
					}
					if (this.replayingTo != null) {
						current = this.replayingTo;
					}
					else if (this.overflow != null) {
						current = List.of(this.overflow);
					}
					else {
						this.dropped++;
						return;
					}
				}
			}
		}
		deliver(event, current);
	}

	private static void deliver(Consumer<LeakListener> event, List<LeakListener> listeners) {
		for (LeakListener listener : listeners) {
			try {
				event.accept(listener);
			}
			catch (Throwable ex) {
				// As the tracker does: a broken listener (an AssertionError, a stack
				// overflow in a logger) must not keep the others from their reports, nor
				// fail the context's start.
			}
		}
	}

	private record Held(Consumer<LeakListener> event, boolean executorEvent) {
	}

	private final class Dispatcher implements LeakListener {

		@Override
		public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
			dispatch((listener) -> listener.onLeak(report, group, newGroup), false);
		}

		@Override
		public void onExecutor(String executor) {
			dispatch((listener) -> listener.onExecutor(executor), true);
		}

		@Override
		public void onUncaught(UncaughtReport report) {
			dispatch((listener) -> listener.onUncaught(report), false);
		}

		@Override
		public void onOverdue(OverdueTask task) {
			dispatch((listener) -> listener.onOverdue(task), false);
		}

	}

}
