package io.github.leakedtasks.tracking;

import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * The executors a source of events reports its tasks under: its own name for a task of no
 * known executor, a name an integration gave (see {@link ExecutorNaming}), or a name read
 * from a pool's threads, of which it keeps a bounded number.
 *
 * @since 0.1.0
 */
final class SourceExecutors {

	/**
	 * Executors named after their threads, past which tasks of further ones are reported
	 * under the source's name: a program that makes pools without end does not make
	 * meters without end. Names given by integrations are not counted.
	 */
	static final int MAX_READABLE_NAMES = 64;

	private final TaskTracker tracker;

	private final ExecutorTracking source;

	private final Map<String, ExecutorTracking> executors = new ConcurrentHashMap<>();

	private final AtomicInteger readableNames = new AtomicInteger();

	SourceExecutors(TaskTracker tracker, String name) {
		this.tracker = tracker;
		this.source = tracker.executor(name);
	}

	ExecutorTracking source() {
		return this.source;
	}

	/**
	 * Return the tracking of the executor a task belongs to.
	 * @param executor the executor, or {@code null} if not known
	 * @param worker the executor's thread the task runs on, or {@code null} if the task
	 * does not run
	 */
	ExecutorTracking of(Object executor, Thread worker) {
		String name = this.tracker.naming().givenName(executor, worker);
		if (name != null) {
			return this.executors.computeIfAbsent(name, this.tracker::executor);
		}
		if (executor == null) {
			return this.source;
		}
		name = this.tracker.naming().rememberedName(executor, worker);
		ExecutorTracking tracking = this.executors.get(name);
		if (tracking == null) {
			if (this.readableNames.get() >= MAX_READABLE_NAMES) {
				return this.source;
			}
			tracking = this.executors.computeIfAbsent(name, (key) -> {
				this.readableNames.incrementAndGet();
				return this.tracker.executor(key);
			});
		}
		return tracking;
	}

}
