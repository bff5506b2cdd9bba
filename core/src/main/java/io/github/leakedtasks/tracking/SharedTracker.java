package io.github.leakedtasks.tracking;

import java.util.ArrayDeque;
import java.util.Deque;
import java.util.Iterator;
import java.util.Optional;

/**
 * The engine a Java agent runs for the whole JVM, which integrations such as the Spring
 * starter attach to instead of starting their own, so that each leak is reported once.
 * <p>
 * Leaks, uncaught failures and overdue tasks go to one listener only: the one attached
 * last, or, while nothing is attached, the agent's own (its log). Several Spring contexts
 * in one JVM (a test suite's cached contexts) therefore do not log each leak once each;
 * the context started (or starting) last reports, and the one before it again once it is
 * closed. Every attached listener hears of every executor.
 *
 * @since 0.1.0
 */
public final class SharedTracker {

	private static final Deque<Attachment> attachments = new ArrayDeque<>();

	private static TaskTracker tracker;

	private static LeakListener fallback;

	private static volatile LeakListener receiver;

	private SharedTracker() {
	}

	/**
	 * Make a tracker the JVM's engine; called once by the agent.
	 * @param shared the tracker, which is never closed by those that attach to it
	 * @param unattended the listener that reports while nothing is attached, or
	 * {@code null}
	 * @throws IllegalStateException if an engine is already installed
	 */
	public static synchronized void install(TaskTracker shared, LeakListener unattended) {
		if (tracker != null) {
			throw new IllegalStateException("An engine is already installed");
		}
		tracker = shared;
		fallback = unattended;
		receiver = unattended;
		shared.addListener(new Router());
	}

	/**
	 * Return the JVM's engine.
	 * @return the engine, empty without an agent
	 */
	public static synchronized Optional<TaskTracker> get() {
		return Optional.ofNullable(tracker);
	}

	/**
	 * Report through a listener of one's own instead of the agent's, until the returned
	 * attachment is closed.
	 * @param listener the listener that receives the engine's reports from now on
	 * @return the attachment, empty without an agent
	 */
	public static synchronized Optional<Attachment> attach(LeakListener listener) {
		if (tracker == null) {
			return Optional.empty();
		}
		for (String executor : tracker.executorNames()) {
			executorTracked(listener, executor);
		}
		Attachment attachment = new Attachment(tracker, listener);
		attachments.addLast(attachment);
		receiver = listener;
		return Optional.of(attachment);
	}

	private static synchronized void detach(Attachment attachment) {
		attachments.remove(attachment);
		receiver = attachments.isEmpty() ? fallback : attachments.peekLast().listener;
	}

	/**
	 * Return the listener that would receive the engine's reports without an attachment:
	 * the latest other one still attached, or the agent's own.
	 */
	private static synchronized LeakListener receiverWithout(Attachment attachment) {
		for (Iterator<Attachment> latest = attachments.descendingIterator(); latest.hasNext();) {
			Attachment other = latest.next();
			if (other != attachment) {
				return other.listener;
			}
		}
		return fallback;
	}

	private static synchronized LeakListener[] attached() {
		return attachments.stream().map((attachment) -> attachment.listener).toArray(LeakListener[]::new);
	}

	private static void executorTracked(LeakListener listener, String executor) {
		try {
			listener.onExecutor(executor);
		}
		catch (Throwable ex) {
			// The executor is tracked whatever one listener does.
		}
	}

	/**
	 * An integration's use of the JVM's engine; closing it hands reporting back.
	 */
	public static final class Attachment implements AutoCloseable {

		private final TaskTracker tracker;

		private final LeakListener listener;

		private Attachment(TaskTracker tracker, LeakListener listener) {
			this.tracker = tracker;
			this.listener = listener;
		}

		/**
		 * Return the engine attached to.
		 * @return the engine
		 */
		public TaskTracker tracker() {
			return this.tracker;
		}

		/**
		 * Stop receiving the engine's reports; the engine keeps running.
		 */
		@Override
		public void close() {
			detach(this);
		}

		/**
		 * Return a listener that hands each report to whichever listener would receive it
		 * without this attachment, chosen at each report: the latest other attachment, or
		 * the agent's own. An integration hands it the reports it cannot deliver itself:
		 * those past what it can hold, and those it held for an application that failed
		 * to start, so that none is lost.
		 * @return the listener
		 */
		public LeakListener others() {
			return new Others(this);
		}

	}

	/**
	 * Hands each report to the listener that would receive it without an attachment.
	 */
	private static final class Others implements LeakListener {

		private final Attachment without;

		Others(Attachment without) {
			this.without = without;
		}

		@Override
		public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
			LeakListener other = receiverWithout(this.without);
			if (other != null) {
				other.onLeak(report, group, newGroup);
			}
		}

		@Override
		public void onUncaught(UncaughtReport report) {
			LeakListener other = receiverWithout(this.without);
			if (other != null) {
				other.onUncaught(report);
			}
		}

		@Override
		public void onOverdue(OverdueTask task) {
			LeakListener other = receiverWithout(this.without);
			if (other != null) {
				other.onOverdue(task);
			}
		}

		@Override
		public void onExecutor(String executor) {
			// Every listener hears of every executor itself.
		}

	}

	/**
	 * The engine's one listener: hands each report to the current receiver.
	 */
	private static final class Router implements LeakListener {

		@Override
		public void onLeak(LeakReport report, LeakGroup group, boolean newGroup) {
			LeakListener current = receiver;
			if (current != null) {
				current.onLeak(report, group, newGroup);
			}
		}

		@Override
		public void onUncaught(UncaughtReport report) {
			LeakListener current = receiver;
			if (current != null) {
				current.onUncaught(report);
			}
		}

		@Override
		public void onOverdue(OverdueTask task) {
			LeakListener current = receiver;
			if (current != null) {
				current.onOverdue(task);
			}
		}

		@Override
		public void onExecutor(String executor) {
			LeakListener current = fallback;
			if (current != null) {
				executorTracked(current, executor);
			}
			for (LeakListener listener : attached()) {
				executorTracked(listener, executor);
			}
		}

	}

}
