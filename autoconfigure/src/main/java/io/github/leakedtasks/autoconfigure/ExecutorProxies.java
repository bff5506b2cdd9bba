package io.github.leakedtasks.autoconfigure;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.ScheduledExecutorService;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.core.task.AsyncTaskExecutor;
import org.springframework.util.ClassUtils;

/**
 * Wraps an executor bean without changing its type: a class-based proxy when every public
 * method of its class can be intercepted (whose task methods reach the engine through
 * {@link DirectExecutorCalls}); the engine's own wrapper for a JDK executor declared as
 * its interface; an interface-based proxy when its class is not public (so no injection
 * point can name it); and no proxy at all otherwise, or when its task-submitting methods
 * return a future type of their own (netty's). Sleuth's executor proxies broke
 * applications on final methods (spring-cloud-sleuth #1336, #1385, #1569): such executors
 * are left exactly as they are.
 *
 * @since 0.1.0
 */
final class ExecutorProxies {

	private static final Log logger = LogFactory.getLog(ExecutorProxies.class);

	private ExecutorProxies() {
	}

	/**
	 * Wrap an executor bean.
	 * @param declaredType the type the bean is declared as, such as its factory method's
	 * return type, or {@code null} when unknown
	 * @return the bean to use in place of the executor, and why it is not tracked
	 */
	static Wrapped wrap(String beanName, Executor executor, Class<?> declaredType,
			ExecutorTrackingInterceptor interceptor, ClassLoader classLoader, boolean agentAttached) {
		Class<?> type = executor.getClass();
		if (AopUtils.isAopProxy(executor) && executor instanceof Advised advised) {
			if (advised.isFrozen()) {
				return notWrapped(beanName, executor, "it is a frozen proxy, to which no advice can be added");
			}
			List<String> unroutable = unroutableMethods(List.of(type));
			if (!unroutable.isEmpty()) {
				return notWrapped(beanName, executor, ownFutures(unroutable));
			}
			advised.addAdvisor(0, new DefaultPointcutAdvisor(interceptor));
			return new Wrapped(advised, null);
		}
		List<String> finalMethods = publicFinalMethods(type);
		boolean publicType = Modifier.isPublic(type.getModifiers());
		boolean classBased = publicType && !Modifier.isFinal(type.getModifiers()) && finalMethods.isEmpty()
				&& !isJdkClass(type);
		if (!classBased && publicType && (declaredType == null || !declaredType.isInterface())) {
			return notWrapped(beanName, executor,
					isJdkClass(type) ? jdkClass(type) : finalMethods(type, finalMethods, agentAttached));
		}
		List<String> unroutable = unroutableMethods(classBased ? List.of(type) : proxiedInterfaces(type, classLoader));
		if (!unroutable.isEmpty()) {
			return notWrapped(beanName, executor, ownFutures(unroutable));
		}
		if (!classBased && isJdkClass(type)) {
			// The engine's own wrapper implements the same JDK interfaces: no Spring AOP
			// invocation in front of it on every task.
			Object wrapped = interceptor.tracking().wrap(executor);
			if (proxiedInterfaces(wrapped.getClass(), classLoader).containsAll(proxiedInterfaces(type, classLoader))) {
				return new Wrapped(wrapped, null);
			}
		}
		return new Wrapped(proxy(executor, interceptor, classBased, classLoader), null);
	}

	private static String jdkClass(Class<?> type) {
		String suggested = (ScheduledExecutorService.class.isAssignableFrom(type)) ? "ScheduledExecutorService"
				: (ExecutorService.class.isAssignableFrom(type)) ? "ExecutorService" : "Executor";
		return "it is declared as the JDK class " + type.getSimpleName() + ", which a proxy cannot extend. "
				+ "@Async methods running on it are still tracked; declare the bean as " + suggested
				+ " to have its tasks tracked too";
	}

	private static String finalMethods(Class<?> type, List<String> finalMethods, boolean agentAttached) {
		String declaration = (AsyncTaskExecutor.class.isAssignableFrom(type)) ? "AsyncTaskExecutor"
				: (ExecutorService.class.isAssignableFrom(type)) ? "ExecutorService" : "Executor";
		String alternatives = "use a ThreadPoolTaskExecutor, or declare your own bean of this class as " + declaration;
		if (agentAttached
				&& (ExecutorService.class.isAssignableFrom(type) || AsyncTaskExecutor.class.isAssignableFrom(type))) {
			// The agent sees the JDK's futures wherever they are made, but runs no code
			// around a plain task given to an executor that is no ThreadPoolExecutor.
			return "a proxy would break its final methods " + finalMethods
					+ ". With the Java agent, the futures its submit() methods return are tracked, and so are @Async "
					+ "methods running on it; to have its execute() tasks tracked too, " + alternatives;
		}
		return "a proxy would break its final methods " + finalMethods
				+ ". @Async methods running on it are still tracked; to have its submit() and execute() tracked too, "
				+ alternatives;
	}

	/**
	 * An executor whose task-submitting methods return a type narrower than the engine's
	 * future, such as netty's {@code EventExecutorGroup}: a proxy would hand its callers
	 * a future of the wrong type.
	 */
	private static String ownFutures(List<String> methods) {
		return "its methods " + methods + " return their own future type, which the tracked future is not. "
				+ "@Async methods running on it are still tracked";
	}

	private static Wrapped notWrapped(String beanName, Executor executor, String reason) {
		if (logger.isDebugEnabled()) {
			logger.debug("Executor bean '" + beanName + "' of type " + executor.getClass().getName()
					+ " is not wrapped: " + reason + ".");
		}
		return new Wrapped(executor, reason);
	}

	private static List<String> unroutableMethods(Collection<Class<?>> exposedTypes) {
		return exposedTypes.stream()
			.flatMap((type) -> Arrays.stream(type.getMethods()))
			.filter(ExecutorTrackingInterceptor.Route::isUnroutable)
			.map((method) -> method.getName() + " returning " + method.getReturnType().getName())
			.distinct()
			.toList();
	}

	private static Set<Class<?>> proxiedInterfaces(Class<?> type, ClassLoader classLoader) {
		Set<Class<?>> interfaces = new LinkedHashSet<>();
		for (Class<?> candidate : ClassUtils.getAllInterfacesForClassAsSet(type, classLoader)) {
			if (Modifier.isPublic(candidate.getModifiers())) {
				interfaces.add(candidate);
			}
		}
		return interfaces;
	}

	private static boolean isJdkClass(Class<?> type) {
		return type.getClassLoader() == null || type.getName().startsWith("java.");
	}

	static boolean isWrapped(Object bean) {
		return bean instanceof Advised advised && Arrays.stream(advised.getAdvisors())
			.anyMatch((advisor) -> advisor.getAdvice() instanceof ExecutorTrackingInterceptor);
	}

	private static Object proxy(Executor executor, ExecutorTrackingInterceptor interceptor, boolean classBased,
			ClassLoader classLoader) {
		ProxyFactory factory = new ProxyFactory(executor);
		factory.setProxyTargetClass(classBased);
		if (!classBased) {
			proxiedInterfaces(executor.getClass(), classLoader).forEach(factory::addInterface);
		}
		factory.addAdvisor(new DefaultPointcutAdvisor(interceptor));
		// Not frozen: the application's own code may still advise the bean, as it could
		// before it was proxied, and every advice added then runs.
		interceptor.proxying(executor);
		Object proxy = factory.getProxy(classLoader);
		if (classBased) {
			DirectExecutorCalls.install(proxy, factory, interceptor);
		}
		return proxy;
	}

	/**
	 * What {@link #wrap} did with an executor.
	 *
	 * @param bean the bean to use in place of the executor
	 * @param reason why the executor is not tracked, or {@code null} when it is
	 */
	record Wrapped(Object bean, String reason) {

	}

	private static List<String> publicFinalMethods(Class<?> type) {
		return Arrays.stream(type.getMethods())
			.filter((method) -> method.getDeclaringClass() != Object.class)
			.filter((method) -> Modifier.isFinal(method.getModifiers()) && !Modifier.isStatic(method.getModifiers()))
			.map(Method::getName)
			.distinct()
			.toList();
	}

}
