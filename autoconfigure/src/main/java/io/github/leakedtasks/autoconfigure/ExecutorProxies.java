package io.github.leakedtasks.autoconfigure;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.Executor;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.aop.framework.Advised;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.util.ClassUtils;

/**
 * Wraps an executor bean without changing its type: a class-based proxy when every public
 * method of its class can be intercepted, an interface-based proxy when its class is not
 * public (so no injection point can name it), and no proxy at all otherwise, or when its
 * task-submitting methods return a future type of their own (netty's). Sleuth's executor
 * proxies broke applications on final methods (spring-cloud-sleuth #1336, #1385, #1569):
 * such executors are left exactly as they are.
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
	 */
	static Object wrap(String beanName, Executor executor, Class<?> declaredType,
			ExecutorTrackingInterceptor interceptor, ClassLoader classLoader) {
		if (AopUtils.isAopProxy(executor) && executor instanceof Advised advised) {
			List<String> unroutable = unroutableMethods(List.of(executor.getClass()));
			if (!unroutable.isEmpty()) {
				return unroutable(beanName, executor, unroutable);
			}
			return addTo(beanName, advised, interceptor);
		}
		Class<?> type = executor.getClass();
		List<String> finalMethods = publicFinalMethods(type);
		boolean publicType = Modifier.isPublic(type.getModifiers());
		if (publicType && !Modifier.isFinal(type.getModifiers()) && finalMethods.isEmpty() && !isJdkClass(type)) {
			List<String> unroutable = unroutableMethods(List.of(type));
			return unroutable.isEmpty() ? proxy(executor, interceptor, true, classLoader)
					: unroutable(beanName, executor, unroutable);
		}
		if (!publicType || (declaredType != null && declaredType.isInterface())) {
			List<String> unroutable = unroutableMethods(proxiedInterfaces(type, classLoader));
			return unroutable.isEmpty() ? proxy(executor, interceptor, false, classLoader)
					: unroutable(beanName, executor, unroutable);
		}
		if (logger.isDebugEnabled()) {
			String reason = isJdkClass(type) ? "it is declared as the JDK class itself, which a proxy cannot extend"
					: "a proxy would break its final methods " + finalMethods;
			logger.debug("Executor bean '" + beanName + "' of type " + type.getName() + " is not wrapped: " + reason
					+ ". Its submit() futures and execute() failures are not tracked; @Async methods running on it "
					+ "still are. Declare the bean as ExecutorService to have it tracked.");
		}
		return executor;
	}

	/**
	 * Leave an executor whose task-submitting methods return a type narrower than the
	 * engine's future, such as netty's {@code EventExecutorGroup}: a proxy would hand its
	 * callers a future of the wrong type.
	 */
	private static Object unroutable(String beanName, Executor executor, List<String> methods) {
		if (logger.isDebugEnabled()) {
			logger.debug("Executor bean '" + beanName + "' of type " + executor.getClass().getName()
					+ " is not wrapped: its methods " + methods + " return their own future type, which the "
					+ "tracked future is not. @Async methods running on it are still tracked.");
		}
		return executor;
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

	private static Object addTo(String beanName, Advised advised, ExecutorTrackingInterceptor interceptor) {
		if (advised.isFrozen()) {
			logger.debug("Executor bean '" + beanName + "' is a frozen proxy and is not wrapped");
			return advised;
		}
		advised.addAdvisor(0, new DefaultPointcutAdvisor(interceptor));
		return advised;
	}

	private static Object proxy(Executor executor, ExecutorTrackingInterceptor interceptor, boolean classBased,
			ClassLoader classLoader) {
		ProxyFactory factory = new ProxyFactory(executor);
		factory.setProxyTargetClass(classBased);
		if (!classBased) {
			proxiedInterfaces(executor.getClass(), classLoader).forEach(factory::addInterface);
		}
		factory.addAdvisor(new DefaultPointcutAdvisor(interceptor));
		return factory.getProxy(classLoader);
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
