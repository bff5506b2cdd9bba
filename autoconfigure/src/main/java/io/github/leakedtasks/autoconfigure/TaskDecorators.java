package io.github.leakedtasks.autoconfigure;

import java.lang.reflect.Field;

import org.springframework.core.task.TaskDecorator;
import org.springframework.util.ReflectionUtils;

/**
 * Says whether a Spring executor applies a {@link TaskDecorator} to what {@code execute}
 * is given. Such an executor hands the decorator the task as the caller gave it, and a
 * decorator may inspect it ({@code instanceof}, its fields): a tracked wrapper in its
 * place would change what the decorator does.
 *
 * @since 0.1.0
 */
final class TaskDecorators {

	private static final ClassValue<Field> FIELDS = new ClassValue<>() {

		@Override
		protected Field computeValue(Class<?> type) {
			Field field = ReflectionUtils.findField(type, "taskDecorator", TaskDecorator.class);
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

	private TaskDecorators() {
	}

	/**
	 * Whether the executor has a task decorator now; an executor whose decorator cannot
	 * be read is taken as decorating.
	 */
	static boolean isDecorating(Object executor) {
		if (executor == null) {
			return false;
		}
		Field field = FIELDS.get(executor.getClass());
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
