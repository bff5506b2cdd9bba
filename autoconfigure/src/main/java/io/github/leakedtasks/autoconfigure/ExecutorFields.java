package io.github.leakedtasks.autoconfigure;

import java.lang.reflect.Field;

import org.springframework.core.task.TaskDecorator;
import org.springframework.util.ErrorHandler;
import org.springframework.util.ReflectionUtils;

/**
 * Reads a setting that Spring's executors keep in a private field and that decides what
 * {@code execute} does with the task it is given, for settings that leave a tracked
 * wrapper no faithful place:
 * <ul>
 * <li>{@link #TASK_DECORATOR}: the executor hands its {@link TaskDecorator} the task as
 * the caller gave it, and a decorator may inspect it ({@code instanceof}, its fields): a
 * tracked wrapper in its place would change what the decorator does;</li>
 * <li>{@link #ERROR_HANDLER}: a scheduler ({@code ThreadPoolTaskScheduler},
 * {@code ConcurrentTaskScheduler}) hands what an executed task throws to the
 * application's {@link ErrorHandler}, outside the tracked wrapper, which would take the
 * failure for an uncaught one.</li>
 * </ul>
 *
 * @since 0.1.0
 */
final class ExecutorFields {

	static final ExecutorFields TASK_DECORATOR = new ExecutorFields("taskDecorator", TaskDecorator.class);

	static final ExecutorFields ERROR_HANDLER = new ExecutorFields("errorHandler", ErrorHandler.class);

	private final ClassValue<Field> fields;

	private ExecutorFields(String name, Class<?> type) {
		this.fields = new ClassValue<>() {

			@Override
			protected Field computeValue(Class<?> executorType) {
				Field field = ReflectionUtils.findField(executorType, name, type);
				if (field == null) {
					return null;
				}
				try {
					ReflectionUtils.makeAccessible(field);
					return field;
				}
				catch (RuntimeException ex) {
					return null;
				}
			}

		};
	}

	/**
	 * Whether the executor has the setting now; an executor whose field cannot be read is
	 * taken as having it.
	 */
	boolean isSet(Object executor) {
		if (executor == null) {
			return false;
		}
		Field field = this.fields.get(executor.getClass());
		if (field == null) {
			return false;
		}
		try {
			return field.get(executor) != null;
		}
		catch (ReflectiveOperationException | RuntimeException ex) {
			return true;
		}
	}

}
