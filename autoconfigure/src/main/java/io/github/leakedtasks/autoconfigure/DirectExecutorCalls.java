package io.github.leakedtasks.autoconfigure;

import java.lang.reflect.Method;
import java.util.Arrays;

import io.github.leakedtasks.autoconfigure.ExecutorTrackingInterceptor.Route;
import io.github.leakedtasks.autoconfigure.ExecutorTrackingInterceptor.TargetMethod;
import io.github.leakedtasks.tracking.IntegrationSubmission;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.aop.TargetSource;
import org.springframework.aop.framework.AdvisedSupport;
import org.springframework.aop.support.AopUtils;
import org.springframework.cglib.proxy.Factory;
import org.springframework.cglib.proxy.MethodInterceptor;
import org.springframework.cglib.proxy.MethodProxy;

/**
 * The callback of a class-based executor proxy's advised methods, put in place of Spring
 * AOP's own: while the tracking interceptor is the proxy's only advice, a task-submitting
 * method goes to the engine without Spring's per-call invocation (a
 * {@code ReflectiveMethodInvocation}, the look-up of the method's advice chain), which
 * costs every task more than the engine's own tracking does under a backlog. Every other
 * call, and every call once the proxy is configured otherwise (advice added, the proxy
 * exposed, another target), goes to Spring's callback, as it would without this one. The
 * proxy stays Spring's: its type, {@code Advised} and every other callback are unchanged.
 *
 * @since 0.1.0
 */
final class DirectExecutorCalls implements MethodInterceptor {

	private static final Log logger = LogFactory.getLog(DirectExecutorCalls.class);

	/**
	 * Spring AOP's callback at index 0 of its class-based proxies: the one of every
	 * advised method.
	 */
	private static final String SPRING_CALLBACK = "org.springframework.aop.framework.CglibAopProxy$DynamicAdvisedInterceptor";

	private final MethodInterceptor spring;

	private final AdvisedSupport config;

	private final TargetSource targetSource;

	private final Object target;

	private final ExecutorTrackingInterceptor interceptor;

	/**
	 * The methods seen, by identity (the proxy class passes the same {@link Method} for a
	 * method on every call): at most the advised methods of one class.
	 */
	private volatile Call[] calls = new Call[0];

	/**
	 * The latest task-submitting method called, looked at first: an application calls one
	 * or two of them, and many other methods of the executor.
	 */
	private Call lastRouted;

	private DirectExecutorCalls(MethodInterceptor spring, AdvisedSupport config,
			ExecutorTrackingInterceptor interceptor) throws Exception {
		this.spring = spring;
		this.config = config;
		this.targetSource = config.getTargetSource();
		this.target = this.targetSource.getTarget();
		this.interceptor = interceptor;
	}

	/**
	 * Put the direct callback in place of Spring's on a class-based proxy just made. If
	 * the proxy is not the kind expected (another Spring version's), it is left as it is:
	 * every call then goes through Spring AOP, as it did before.
	 * @param proxy the proxy
	 * @param config its configuration, with the tracking interceptor's advisor only
	 * @param interceptor the tracking interceptor
	 */
	static void install(Object proxy, AdvisedSupport config, ExecutorTrackingInterceptor interceptor) {
		try {
			if (proxy instanceof Factory factory && factory.getCallbacks().length > 0
					&& factory.getCallback(0) instanceof MethodInterceptor spring
					&& spring.getClass().getName().equals(SPRING_CALLBACK) && config.getTargetSource().isStatic()) {
				factory.setCallback(0, new DirectExecutorCalls(spring, config, interceptor));
				return;
			}
			if (logger.isDebugEnabled()) {
				logger.debug("Executor proxy of " + proxy.getClass().getName()
						+ " is not of the kind expected: its tasks are routed through Spring AOP");
			}
		}
		catch (Exception | LinkageError ex) {
			if (logger.isDebugEnabled()) {
				logger.debug("Executor proxy of " + proxy.getClass().getName()
						+ " keeps Spring AOP's callback: its tasks are routed through Spring AOP", ex);
			}
		}
	}

	@Override
	public Object intercept(Object proxy, Method method, Object[] args, MethodProxy methodProxy) throws Throwable {
		Call call = callOf(method);
		if (call.route == Route.PASS || call.route == Route.SHUTDOWN_NOW || args.length == 0 || args[0] == null
				|| !isSoleAdvice() || IntegrationSubmission.isActive()) {
			return this.spring.intercept(proxy, method, args, methodProxy);
		}
		return this.interceptor.route(call.route, this.target, args, true, call);
	}

	/**
	 * Whether the proxy is still configured as it was made: the tracking interceptor its
	 * only advice, the same target, and not exposed through {@code AopContext}.
	 */
	private boolean isSoleAdvice() {
		AdvisedSupport config = this.config;
		try {
			return config.getAdvisorCount() == 1 && config.indexOf(this.interceptor) == 0 && !config.isExposeProxy()
					&& config.getTargetSource() == this.targetSource;
		}
		catch (RuntimeException ex) {
			// Advice changed by another thread meanwhile (the configuration's list is not
			// thread-safe): Spring's callback decides. The advice is looked up by
			// identity; looking up the advisor would call its equals, which compares
			// pointcuts.
			return false;
		}
	}

	private Call callOf(Method method) {
		Call last = this.lastRouted;
		if (last != null && last.method == method) {
			return last;
		}
		Call call = find(method);
		if (call.route != Route.PASS) {
			// Unsynchronized: a thread that sees another's call scans for its own.
			this.lastRouted = call;
		}
		return call;
	}

	private Call find(Method method) {
		Call[] known = this.calls;
		for (Call call : known) {
			if (call.method == method) {
				return call;
			}
		}
		synchronized (this) {
			for (Call call : this.calls) {
				if (call.method == method) {
					return call;
				}
			}
			Call call = new Call(method, Route.of(method), this.target);
			Call[] grown = Arrays.copyOf(this.calls, this.calls.length + 1);
			grown[grown.length - 1] = call;
			this.calls = grown;
			return call;
		}
	}

	/**
	 * A method of the proxy: its route, and how its target's method is called: by
	 * reflection, as Spring AOP's own invocation calls it (Spring 7 generates no CGLIB
	 * fast class for a proxy's methods, and neither does this).
	 */
	private static final class Call implements TargetMethod {

		private final Method method;

		private final Route route;

		private final Object target;

		Call(Method method, Route route, Object target) {
			this.method = method;
			this.route = route;
			this.target = target;
		}

		@Override
		public Object call(Object[] args) throws Throwable {
			return AopUtils.invokeJoinpointUsingReflection(this.target, this.method, args);
		}

	}

}
