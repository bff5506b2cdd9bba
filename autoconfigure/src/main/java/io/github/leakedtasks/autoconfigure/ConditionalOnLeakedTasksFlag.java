package io.github.leakedtasks.autoconfigure;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.Map;

import org.springframework.boot.autoconfigure.condition.ConditionOutcome;
import org.springframework.boot.autoconfigure.condition.SpringBootCondition;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.ConditionContext;
import org.springframework.context.annotation.Conditional;
import org.springframework.core.type.AnnotatedTypeMetadata;

/**
 * Matches when every one of the boolean properties named is {@code true} or missing, each
 * read as the configuration properties read it ({@code true}, {@code on}, {@code yes},
 * {@code 1}, any case). A value that is no boolean stops start-up, naming the property,
 * rather than switch the starter off as {@code @ConditionalOnBooleanProperty} does for
 * any value but {@code true}: a typo must not silently end tracking.
 *
 * @since 0.1.0
 */
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD })
@Documented
@Conditional(ConditionalOnLeakedTasksFlag.OnFlagsCondition.class)
@interface ConditionalOnLeakedTasksFlag {

	/**
	 * The names of the properties, each {@code true} when missing.
	 * @return the names
	 */
	String[] value();

	/**
	 * Reads the properties with the {@link Binder}, so that a value is converted, and
	 * refused, as when it is bound to {@link LeakedTasksProperties}.
	 */
	final class OnFlagsCondition extends SpringBootCondition {

		@Override
		public ConditionOutcome getMatchOutcome(ConditionContext context, AnnotatedTypeMetadata metadata) {
			Map<String, Object> attributes = metadata
				.getAnnotationAttributes(ConditionalOnLeakedTasksFlag.class.getName());
			Binder binder = Binder.get(context.getEnvironment());
			for (String name : (String[]) attributes.get("value")) {
				// Throws a BindException on a value that is no boolean, which Spring
				// Boot's failure analysis names with the property and its origin.
				if (!binder.bind(name, Boolean.class).orElse(Boolean.TRUE)) {
					return ConditionOutcome.noMatch(name + " is false");
				}
			}
			return ConditionOutcome.match();
		}

	}

}
