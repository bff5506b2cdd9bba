package io.github.leakedtasks.autoconfigure;

import java.lang.ref.WeakReference;
import java.util.Arrays;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentSkipListMap;
import java.util.concurrent.Executor;
import java.util.function.Supplier;

import io.github.leakedtasks.tracking.ExecutorTracking;
import io.github.leakedtasks.tracking.SharedTracker;
import io.github.leakedtasks.tracking.TaskTracker;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

import org.springframework.aop.Advisor;
import org.springframework.aop.PointcutAdvisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.scope.ScopedObject;
import org.springframework.aop.scope.ScopedProxyUtils;
import org.springframework.aop.interceptor.AsyncExecutionAspectSupport;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.beans.BeansException;
import org.springframework.beans.factory.BeanClassLoaderAware;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.beans.factory.config.BeanPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.scheduling.annotation.AsyncAnnotationAdvisor;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

/**
 * Wraps executor beans for tracking, and adds tracking around the {@code @Async} advice
 * of beans that have it. It is not {@code Ordered}, so it runs after Spring's
 * {@code AsyncAnnotationBeanPostProcessor} has advised a bean.
 *
 * @since 0.1.0
 */
public class LeakedTasksBeanPostProcessor
		implements BeanPostProcessor, BeanFactoryAware, BeanClassLoaderAware, SmartInitializingSingleton {

	private static final Log logger = LogFactory.getLog(LeakedTasksBeanPostProcessor.class);

	private final Supplier<TaskTracker> tracker;

	private final List<String> excludedExecutors;

	private ClassLoader classLoader;

	private AsyncExecutorNames executorNames;

	private ConfigurableListableBeanFactory beanFactory;

	private final Map<String, ExecutorBean> executorBeans = new ConcurrentSkipListMap<>();

	/**
	 * Create a post-processor.
	 * @param tracker the tracker, looked up when the first executor bean is wrapped
	 * @param excludedExecutors names of executor beans never wrapped
	 */
	public LeakedTasksBeanPostProcessor(Supplier<TaskTracker> tracker, List<String> excludedExecutors) {
		this.tracker = tracker;
		// An empty name (leaked-tasks.excluded-executors=a,,b) names nothing.
		this.excludedExecutors = excludedExecutors.stream().filter((name) -> name != null && !name.isBlank()).toList();
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) throws BeansException {
		this.beanFactory = (ConfigurableListableBeanFactory) beanFactory;
		this.executorNames = new AsyncExecutorNames(this.beanFactory, this.tracker,
				java.util.Set.copyOf(this.excludedExecutors));
	}

	@Override
	public void setBeanClassLoader(ClassLoader classLoader) {
		this.classLoader = classLoader;
	}

	@Override
	public Object postProcessAfterInitialization(Object bean, String beanName) throws BeansException {
		if (bean instanceof Advised advised && !advised.isFrozen()) {
			addAsyncTracking(advised);
		}
		if (bean instanceof Executor executor && !(bean instanceof TaskTracker)) {
			return track(executor, beanName);
		}
		return bean;
	}

	private Object track(Executor executor, String beanName) {
		if (executor instanceof ScopedObject) {
			// Its target, an executor bean of the scope, is wrapped.
			this.executorBeans.put(beanName, new ExecutorBean(false, "it is a scoped proxy; the executor behind it is "
					+ "tracked as '" + ScopedProxyUtils.getTargetBeanName(beanName) + "'"));
			return executor;
		}
		this.executorNames.registerExecutorBean(executor, beanName);
		ExecutorBeanNames.name(this.tracker.get(), executor, beanName);
		if (this.executorNames.isExcluded(beanName)) {
			this.executorBeans.put(beanName, new ExecutorBean(false, "excluded by leaked-tasks.excluded-executors"));
			return executor;
		}
		// Wrapped by the application itself, with TaskTracker.wrap or
		// TrackedExecutors.wrap: wrapped again, it would report each leak twice.
		if (ExecutorProxies.isWrapped(executor) || TaskTracker.isTracked(executor)) {
			this.executorBeans.put(beanName, new ExecutorBean(true, null));
			return executor;
		}
		// With the Java agent, which sees the futures, drops and uncaught failures of the
		// JDK's pools and watches this one for overdue tasks, the bean is left as it is.
		// With a tracer, the agent remembers the trace each of its futures was created
		// in, as a wrapper's task does (but for the stages and plain tasks README's
		// "Tracing" lists).
		if (ExecutorBeanNames.watch(this.tracker.get(), executor, beanName)) {
			// Its meters are registered now, as a wrapper's would be.
			this.executorNames.tracking(beanName);
			this.executorBeans.put(beanName, new ExecutorBean(true, null));
			return executor;
		}
		ExecutorTracking tracking = this.executorNames.tracking(beanName);
		if (executor instanceof ThreadPoolTaskExecutor spring) {
			// What its execute() is given, the pool queues as it is: a task the pool's
			// discard policy dropped is not listed as queued. Asked for its pool at each
			// reading, since initialize() replaces it.
			WeakReference<ThreadPoolTaskExecutor> reference = new WeakReference<>(spring);
			tracking.queuesIn(() -> {
				ThreadPoolTaskExecutor current = reference.get();
				return (current != null) ? current.getThreadPoolExecutor() : null;
			});
		}
		ExecutorProxies.Wrapped wrapped = ExecutorProxies.wrap(beanName, executor, declaredType(beanName),
				new ExecutorTrackingInterceptor(tracking), this.classLoader, SharedTracker.get().isPresent());
		this.executorNames.registerExecutorBean(wrapped.bean(), beanName);
		this.executorBeans.put(beanName, new ExecutorBean(wrapped.reason() == null, wrapped.reason()));
		return wrapped.bean();
	}

	/**
	 * Say which names of {@code leaked-tasks.excluded-executors} exclude nothing: a name
	 * that is no bean's, or a bean that is no executor (a lazy executor bean counts,
	 * created or not).
	 */
	@Override
	public void afterSingletonsInstantiated() {
		for (String name : this.excludedExecutors) {
			try {
				if (!this.beanFactory.containsBean(name)) {
					logger.warn("leaked-tasks.excluded-executors names '" + name
							+ "', which is no bean's name: it excludes nothing");
				}
				else if (!this.beanFactory.isTypeMatch(name, Executor.class)) {
					logger.warn("leaked-tasks.excluded-executors names '" + name
							+ "', a bean that is no Executor: it excludes nothing");
				}
			}
			catch (RuntimeException ex) {
				// A bean whose type cannot be told: not worth a warning.
			}
		}
	}

	/**
	 * Return every executor bean post-processed so far, by name, with whether it is
	 * tracked.
	 * @return the executor beans
	 */
	Map<String, ExecutorBean> executorBeans() {
		return Collections.unmodifiableMap(this.executorBeans);
	}

	private Class<?> declaredType(String beanName) {
		if (!this.beanFactory.containsBeanDefinition(beanName)) {
			return null;
		}
		BeanDefinition definition = this.beanFactory.getMergedBeanDefinition(beanName);
		if (definition instanceof RootBeanDefinition root && root.getResolvedFactoryMethod() != null) {
			return root.getResolvedFactoryMethod().getReturnType();
		}
		return definition.getResolvableType().resolve();
	}

	/**
	 * Whether an executor bean is tracked.
	 *
	 * @param tracked whether its tasks are tracked
	 * @param reason why it is not, or {@code null}
	 */
	record ExecutorBean(boolean tracked, String reason) {

	}

	private void addAsyncTracking(Advised advised) {
		Advisor[] advisors = advised.getAdvisors();
		boolean tracked = Arrays.stream(advisors)
			.anyMatch((advisor) -> advisor.getAdvice() instanceof AsyncSubmissionInterceptor);
		for (int i = 0; i < advisors.length && !tracked; i++) {
			if (advisors[i] instanceof AsyncAnnotationAdvisor async
					&& async.getAdvice() instanceof AsyncExecutionAspectSupport interceptor) {
				PointcutAdvisor asyncAdvisor = async;
				// After the async advice, on the executor's thread; before it, on the
				// caller's.
				advised.addAdvisor(i + 1,
						new DefaultPointcutAdvisor(asyncAdvisor.getPointcut(), new AsyncTaskInterceptor()));
				advised.addAdvisor(i, new DefaultPointcutAdvisor(asyncAdvisor.getPointcut(),
						new AsyncSubmissionInterceptor(this.executorNames, interceptor)));
				return;
			}
		}
	}

}
