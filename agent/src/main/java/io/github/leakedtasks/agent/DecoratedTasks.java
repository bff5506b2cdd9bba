package io.github.leakedtasks.agent;

import java.lang.reflect.Field;
import java.util.Map;
import java.util.Optional;

import io.github.leakedtasks.tracking.TaskTracker;

/**
 * Finds the task that the {@code TaskDecorator} of a Spring
 * {@code ThreadPoolTaskExecutor} decorated, through the map that executor keeps to cancel
 * the task's future when it shuts down: its pool queues the decorated task, which may
 * hide a {@code FutureTask} that Spring then cancels. Read only when a task is let go of,
 * by reflection on Spring's fields; if they cannot be read, whether a task is a plain one
 * cannot be told.
 *
 * @since 0.1.0
 */
final class DecoratedTasks {

	private static final String EXECUTOR = "org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor";

	private static final String POOL_PREFIX = EXECUTOR + "$";

	static final String UNREADABLE_REASON = "the leaked-tasks agent cannot read which task this ThreadPoolTaskExecutor's"
			+ " TaskDecorator decorated: plain tasks the executor lets go of as Spring shuts it down are not reported";

	private final TaskTracker tracker;

	DecoratedTasks(TaskTracker tracker) {
		this.tracker = tracker;
	}

	/**
	 * The fields of each pool class: kept with the class, so that a web application's
	 * Spring, undeployed, is not held by the agent, which lives as long as the JVM.
	 */
	private final ClassValue<Optional<Fields>> fields = new ClassValue<>() {

		@Override
		protected Optional<Fields> computeValue(Class<?> pool) {
			return Optional.ofNullable(Fields.of(pool));
		}

	};

	/**
	 * Return the task an executor was handed before Spring decorated it.
	 * @param task the task the executor let go of
	 * @param executor the executor
	 * @return the task itself if the executor is not a {@code ThreadPoolTaskExecutor}'s
	 * pool or the task was not decorated, what was decorated otherwise, or {@code null}
	 * if that cannot be told
	 */
	Object original(Object task, Object executor) {
		if (executor == null || !executor.getClass().getName().startsWith(POOL_PREFIX)) {
			return task;
		}
		try {
			Fields current = fieldsOf(executor.getClass());
			if (current == null) {
				unreadable(executor);
				return null;
			}
			Object outer = current.outer.get(executor);
			Object map = (outer != null) ? current.decorated.get(outer) : null;
			if (!(map instanceof Map<?, ?> decorated)) {
				unreadable(executor);
				return null;
			}
			Object original = decorated.get(task);
			return (original != null) ? original : task;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			unreadable(executor);
			return null;
		}
	}

	/**
	 * Say once per pool class, at DEBUG and in the summary's untracked types, that what
	 * such a pool lets go of cannot be told apart.
	 */
	private void unreadable(Object executor) {
		this.tracker.untracked(executor.getClass().getName(), UNREADABLE_REASON);
	}

	private Fields fieldsOf(Class<?> pool) {
		return this.fields.get(pool).orElse(null);
	}

	/**
	 * A pool's reference to its {@code ThreadPoolTaskExecutor}, and that executor's map
	 * from decorated tasks to what they decorate.
	 */
	private record Fields(Class<?> pool, Field outer, Field decorated) {

		static Fields of(Class<?> pool) {
			try {
				for (Field field : pool.getDeclaredFields()) {
					if (field.getType().getName().equals(EXECUTOR)) {
						Field decorated = field.getType().getDeclaredField("decoratedTaskMap");
						if (!Map.class.isAssignableFrom(decorated.getType())) {
							return null;
						}
						field.setAccessible(true);
						decorated.setAccessible(true);
						return new Fields(pool, field, decorated);
					}
				}
			}
			catch (ReflectiveOperationException | RuntimeException ex) {
				// Spring's fields are not what they were: nothing is looked up.
			}
			return null;
		}

	}

}
