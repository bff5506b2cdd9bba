package io.github.leakedtasks.tracking;

/**
 * A tracked task whose task is {@link Comparable}, so that an executor ordering its queue
 * (a {@code PriorityBlockingQueue}) orders tracked tasks exactly as it orders the tasks
 * themselves. A task that is not comparable gets a plain {@link TrackedTask}, which such
 * a queue refuses as it refuses the task.
 *
 * @param <V> the result type
 * @since 0.1.0
 */
final class ComparableTrackedTask<V> extends TrackedTask<V> implements Comparable<Object> {

	ComparableTrackedTask(ExecutorTracking executor, Object task, int mode) {
		super(executor, task, mode);
	}

	@Override
	@SuppressWarnings("unchecked")
	public int compareTo(Object other) {
		Object target = (other instanceof TrackedTask<?> tracked) ? tracked.task() : other;
		return ((Comparable<Object>) task()).compareTo(target);
	}

}
