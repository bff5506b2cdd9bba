package io.github.leakedtasks.test;

import java.lang.annotation.Documented;
import java.lang.annotation.ElementType;
import java.lang.annotation.Inherited;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;

/**
 * Marks a test method or class that loses tasks on purpose: its tasks are neither waited
 * for nor counted against the test (the log still reports what they lose).
 *
 * @since 0.1.0
 */
@Documented
@Inherited
@Retention(RetentionPolicy.RUNTIME)
@Target({ ElementType.TYPE, ElementType.METHOD, ElementType.ANNOTATION_TYPE })
public @interface AllowLeakedTasks {

	/**
	 * Why the test leaks tasks, for the reader.
	 * @return the reason
	 */
	String value() default "";

}
