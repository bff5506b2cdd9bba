package io.github.leakedtasks.autoconfigure;

import java.lang.reflect.Method;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Future;
import java.util.function.Supplier;

import io.github.leakedtasks.tracking.ExecutorTracking;
import io.github.leakedtasks.tracking.TaskTracker;
import org.aopalliance.intercept.MethodInvocation;

import org.springframework.aop.interceptor.AsyncExecutionAspectSupport;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.config.EmbeddedValueResolver;
import org.springframework.core.BridgeMethodResolver;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.util.ReflectionUtils;
import org.springframework.util.StringUtils;

/**
 * Names the executor an {@code @Async} method runs on: the bean name of the executor
 * Spring chose for it, else its qualifier (placeholders and expressions resolved as
 * Spring resolves them), else the name of the {@link AsyncConfigurer} bean that supplies
 * it.
 *
 * @since 0.1.0
 */
final class AsyncExecutorNames {

	private static final Method DETERMINE_EXECUTOR = findDetermineExecutor();

	private final ConfigurableListableBeanFactory beanFactory;

	private final EmbeddedValueResolver valueResolver;

	private final Supplier<TaskTracker> tracker;

	private final Set<String> excluded;

	/**
	 * The bean name of each executor bean instance, the raw one and the wrapper, held
	 * weakly: a prototype or scoped executor bean is made again and again, and each
	 * instance is the application's to let go of. Executors do not redefine
	 * {@code equals}; Spring's proxies compare equal only with a proxy of the same
	 * target.
	 */
	private final Map<Object, String> executorBeans = Collections.synchronizedMap(new WeakHashMap<>());

	private final Map<String, ExecutorTracking> trackings = new ConcurrentHashMap<>();

	private final Map<Call, Optional<AsyncTarget>> byCall = new ConcurrentHashMap<>();

	AsyncExecutorNames(ConfigurableListableBeanFactory beanFactory, Supplier<TaskTracker> tracker,
			Set<String> excluded) {
		this.beanFactory = beanFactory;
		this.valueResolver = new EmbeddedValueResolver(beanFactory);
		this.tracker = tracker;
		this.excluded = excluded;
	}

	void registerExecutorBean(Object executor, String beanName) {
		try {
			this.executorBeans.put(executor, beanName);
		}
		catch (RuntimeException ex) {
			// An executor whose hashCode() or equals() throws: its @Async calls are
			// named by their qualifier.
		}
	}

	ExecutorTracking tracking(String name) {
		return this.trackings.computeIfAbsent(name, (key) -> this.tracker.get().executor(key));
	}

	boolean isExcluded(String name) {
		return this.excluded.contains(name);
	}

	/**
	 * Return where an {@code @Async} call goes and how it is reported, or {@code null}
	 * when its executor is excluded. Resolved once per target class and method.
	 */
	AsyncTarget targetOf(MethodInvocation invocation, AsyncExecutionAspectSupport asyncInterceptor) {
		Object target = invocation.getThis();
		Class<?> targetClass = (target != null) ? AopUtils.getTargetClass(target) : null;
		return this.byCall.computeIfAbsent(new Call(targetClass, invocation.getMethod()), (call) -> {
			Method method = BridgeMethodResolver.getMostSpecificMethod(call.method(), call.targetClass());
			String name = executorName(method, asyncInterceptor);
			if (name == null || isExcluded(name)) {
				return Optional.empty();
			}
			Class<?> type = (call.targetClass() != null) ? call.targetClass() : method.getDeclaringClass();
			return Optional.of(new AsyncTarget(tracking(name), type.getSimpleName() + "." + method.getName(),
					Future.class.isAssignableFrom(method.getReturnType())));
		}).orElse(null);
	}

	private String executorName(Method method, AsyncExecutionAspectSupport asyncInterceptor) {
		// The executor Spring chose, which it caches per method: the default one when the
		// qualifier resolves to an empty string.
		Object executor = (DETERMINE_EXECUTOR != null)
				? ReflectionUtils.invokeMethod(DETERMINE_EXECUTOR, asyncInterceptor, method) : null;
		String beanName = (executor != null) ? beanNameOf(executor) : null;
		if (beanName != null) {
			return beanName;
		}
		// Spring adapts an executor that is not an AsyncTaskExecutor, which then has no
		// bean name: name it by its qualifier, resolved as Spring resolves it.
		String qualifier = qualifier(method);
		String resolved = StringUtils.hasLength(qualifier) ? this.valueResolver.resolveStringValue(qualifier) : null;
		if (StringUtils.hasText(resolved)) {
			return resolved;
		}
		String[] configurers = this.beanFactory.getBeanNamesForType(AsyncConfigurer.class, false, false);
		return (configurers.length == 1) ? configurers[0] : "async";
	}

	private String beanNameOf(Object executor) {
		try {
			return this.executorBeans.get(executor);
		}
		catch (RuntimeException ex) {
			return null;
		}
	}

	private static String qualifier(Method method) {
		Async async = AnnotatedElementUtils.findMergedAnnotation(method, Async.class);
		if (async == null) {
			async = AnnotatedElementUtils.findMergedAnnotation(method.getDeclaringClass(), Async.class);
		}
		return (async != null) ? async.value() : null;
	}

	private static Method findDetermineExecutor() {
		Method method = ReflectionUtils.findMethod(AsyncExecutionAspectSupport.class, "determineAsyncExecutor",
				Method.class);
		if (method != null) {
			ReflectionUtils.makeAccessible(method);
		}
		return method;
	}

	private record Call(Class<?> targetClass, Method method) {
	}

	/**
	 * Where an {@code @Async} method's calls go and how they are reported.
	 *
	 * @param tracking the executor's tracking
	 * @param taskName the task type: {@code Class.method}
	 * @param deliversResult whether the method returns a future, which delivers its
	 * failure
	 */
	record AsyncTarget(ExecutorTracking tracking, String taskName, boolean deliversResult) {
	}

}
