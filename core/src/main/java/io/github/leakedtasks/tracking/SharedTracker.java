package io.github.leakedtasks.tracking;

import java.util.Optional;

/**
 * The engine a Java agent runs for the whole JVM, which integrations such as the Spring
 * starter attach to instead of starting their own, so that each leak is reported once.
 * <p>
 * The agent's own listener (its log) reports only while nothing is attached: an attached
 * integration reports through its own listeners, and the agent's listener is back when
 * the last one detaches.
 *
 * @since 0.1.0
 */
public final class SharedTracker {

	private static TaskTracker tracker;

	private static LeakListener fallback;

	private static int attached;

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
		if (unattended != null) {
			shared.addListener(unattended);
		}
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
	 * @param listener the listener that receives the engine's events from now on
	 * @return the attachment, empty without an agent
	 */
	public static synchronized Optional<Attachment> attach(LeakListener listener) {
		if (tracker == null) {
			return Optional.empty();
		}
		// Added before the agent's listener is removed, so no report falls in between.
		tracker.addListener(listener);
		if (attached++ == 0 && fallback != null) {
			tracker.removeListener(fallback);
		}
		return Optional.of(new Attachment(tracker, listener));
	}

	private static synchronized void detach(TaskTracker from, LeakListener listener) {
		if (--attached == 0 && fallback != null) {
			from.addListener(fallback);
		}
		from.removeListener(listener);
	}

	/**
	 * An integration's use of the JVM's engine; closing it hands reporting back.
	 */
	public static final class Attachment implements AutoCloseable {

		private final TaskTracker tracker;

		private final LeakListener listener;

		private boolean closed;

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
		 * Stop receiving the engine's events; the engine keeps running.
		 */
		@Override
		public void close() {
			synchronized (SharedTracker.class) {
				if (this.closed) {
					return;
				}
				this.closed = true;
				detach(this.tracker, this.listener);
			}
		}

	}

}
