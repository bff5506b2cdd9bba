package io.github.leakedtasks.autoconfigure;

import java.io.IOException;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.Executor;
import java.util.concurrent.Future;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Test;

import org.springframework.aop.Advisor;
import org.springframework.aop.framework.Advised;
import org.springframework.aop.interceptor.AsyncUncaughtExceptionHandler;
import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.test.context.assertj.AssertableApplicationContext;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.ApplicationListener;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.event.ContextRefreshedEvent;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.AsyncAnnotationAdvisor;
import org.springframework.scheduling.annotation.AsyncAnnotationBeanPostProcessor;
import org.springframework.scheduling.annotation.AsyncConfigurer;
import org.springframework.scheduling.annotation.AsyncResult;
import org.springframework.scheduling.annotation.EnableAsync;
import org.springframework.scheduling.concurrent.ThreadPoolTaskExecutor;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The behaviours Spring Framework's {@code AsyncExecutionTests}, {@code EnableAsyncTests}
 * and {@code AsyncResultTests} check, with {@code @Async} beans of a context that has the
 * auto-configuration: every scenario observes the same with leaked-tasks enabled as
 * disabled.
 */
class SpringAsyncBehaviourTests {

	private final ApplicationContextRunner contextRunner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
		.withUserConfiguration(AsyncConfiguration.class);

	@Test
	void asyncMethodsOfClassRunOnExecutorAndDeliverResultsAndFailures() {
		List<Object> outcome = Differential.asyncBeans(this.contextRunner, "methods").outcome((context, observed) -> {
			AsyncMethods bean = context.getBean(AsyncMethods.class);
			Calls calls = context.getBean(Calls.class);
			bean.doNothing();
			observed.add(calls.next());
			bean.doSomething();
			observed.add(calls.next());
			observed.add(bean.returnSomething(20).get(30, TimeUnit.SECONDS));
			observed.add(bean.returnSomethingCompletable(20).get(30, TimeUnit.SECONDS));
			observed.add(Differential.failure(() -> bean.returnSomething(0).get(30, TimeUnit.SECONDS)));
			observed.add(Differential.failure(() -> bean.returnSomething(-1).get(30, TimeUnit.SECONDS)));
			observed.add(Differential.failure(() -> bean.returnSomethingCompletable(0).get(30, TimeUnit.SECONDS)));
			observed.add(Differential.failure(() -> bean.returnSomethingCompletable(-1).join()));
			observed.add(futureTypes(bean.returnSomething(1), bean.returnSomethingCompletable(1)));
		});
		// Thread 1 ran the refresh listener.
		assertThat(outcome).containsExactly("main thread", "SimpleAsyncTaskExecutor-2", "20", "20",
				"java.util.concurrent.ExecutionException: java.lang.IllegalArgumentException: 0 "
						+ "<- java.lang.IllegalArgumentException: 0",
				"java.util.concurrent.ExecutionException: java.io.IOException: -1 <- java.io.IOException: -1",
				"java.util.concurrent.ExecutionException: java.lang.IllegalArgumentException: 0 "
						+ "<- java.lang.IllegalArgumentException: 0",
				"java.util.concurrent.CompletionException: java.io.IOException: -1 <- java.io.IOException: -1",
				List.of(false, true, true, false));
	}

	@Test
	void qualifiersOnClassMethodAndMetaAnnotationChooseTheirExecutors() {
		List<Object> outcome = Differential.asyncBeans(this.contextRunner, "qualified").outcome((context, observed) -> {
			QualifiedAsyncMethods bean = context.getBean(QualifiedAsyncMethods.class);
			Calls calls = context.getBean(Calls.class);
			bean.onE1();
			observed.add(calls.next());
			observed.add(bean.onE2().get(30, TimeUnit.SECONDS));
			observed.add(bean.onClassLevelE0().get(30, TimeUnit.SECONDS));
		});
		assertThat(outcome).containsExactly("e1-1", "e2-1", "e0-1");
	}

	@Test
	void beanWithInterfaceGetsInterfaceProxyAndClassWithoutOneClassProxy() {
		List<Object> outcome = Differential.asyncBeans(this.contextRunner, "methods", "withInterface", "qualified")
			.outcome((context, observed) -> {
				for (String name : List.of("methods", "withInterface", "qualified", "asyncInterface")) {
					Object bean = context.getBean(name);
					observed.add(List.of(name, AopUtils.isAopProxy(bean), AopUtils.isJdkDynamicProxy(bean),
							AopUtils.isCglibProxy(bean), AopUtils.getTargetClass(bean).getSimpleName(),
							bean instanceof AsyncMethods, bean instanceof AsyncService, hasAsyncAdvisor(bean)));
				}
				observed.add(context.getBean(AsyncAnnotationBeanPostProcessor.class).getOrder());
			});
		assertThat(outcome).containsExactly(List.of("methods", true, false, true, "AsyncMethods", true, false, true),
				List.of("withInterface", true, true, false, "AsyncServiceBean", false, true, true),
				List.of("qualified", true, false, true, "QualifiedAsyncMethods", false, false, true),
				List.of("asyncInterface", true, true, false, "AsyncInterfaceBean", false, false, true),
				Integer.MAX_VALUE);
	}

	@Test
	void classLevelAndInterfaceLevelAsyncRunEveryMethodOnExecutor() {
		List<Object> outcome = Differential.asyncBeans(this.contextRunner, "withInterface", "asyncInterface")
			.outcome((context, observed) -> {
				AsyncService service = context.getBean("withInterface", AsyncService.class);
				observed.add(service.returnSomething(7).get(30, TimeUnit.SECONDS));
				observed.add(Differential.failure(() -> service.returnSomething(0).get(30, TimeUnit.SECONDS)));
				AsyncInterface onInterface = context.getBean(AsyncInterface.class);
				onInterface.work();
				observed.add(context.getBean(Calls.class).next());
				observed.add(onInterface.returnSomething(3).get(30, TimeUnit.SECONDS));
			});
		assertThat(outcome).containsExactly("7 on SimpleAsyncTaskExecutor-2",
				"java.util.concurrent.ExecutionException: java.lang.IllegalArgumentException: 0 "
						+ "<- java.lang.IllegalArgumentException: 0",
				"SimpleAsyncTaskExecutor-4", "3 on SimpleAsyncTaskExecutor-5");
	}

	@Test
	void voidMethodFailureReachesExceptionHandlerWithMethodAndArguments() {
		List<Object> outcome = Differential.asyncBeans(this.contextRunner, "methods").outcome((context, observed) -> {
			context.getBean(AsyncMethods.class).fail("argument");
			observed.add(context.getBean(Calls.class).next());
		});
		assertThat(outcome).containsExactly("handled java.lang.UnsupportedOperationException: argument "
				+ "from fail[argument] on SimpleAsyncTaskExecutor-2");
	}

	@Test
	void asyncListenerRunsOnExecutor() {
		List<Object> outcome = Differential.asyncBeans(this.contextRunner, "listener")
			.outcome((context, observed) -> observed.add(context.getBean(Refreshes.class).refreshes().next()));
		assertThat(outcome).containsExactly("refreshed on SimpleAsyncTaskExecutor-1");
	}

	@Test
	void asyncConfigurerExecutorAndHandlerAreUsed() {
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(LeakedTasksAutoConfiguration.class))
			.withUserConfiguration(CustomAsyncConfigurerConfiguration.class);
		List<Object> outcome = Differential.asyncBeans(runner, "methods").outcome((context, observed) -> {
			AsyncMethods bean = context.getBean(AsyncMethods.class);
			Calls calls = context.getBean(Calls.class);
			bean.doSomething();
			observed.add(calls.next());
			bean.fail("custom");
			observed.add(calls.next());
		});
		assertThat(outcome).containsExactly("Custom-1",
				"custom handler java.lang.UnsupportedOperationException: custom");
	}

	@Test
	void injectingClassOfInterfaceProxiedBeanFailsWithSameException() {
		ApplicationContextRunner runner = this.contextRunner.withUserConfiguration(AsyncServiceUser.class);
		List<String> failures = new java.util.ArrayList<>();
		for (String enabled : List.of("false", "true")) {
			runner.withPropertyValues("leaked-tasks.enabled=" + enabled)
				.run((context) -> failures.add(Differential.describe(context.getStartupFailure())
					.replaceAll("\\$\\$[A-Za-z]*\\$*\\d*|jdk\\.proxy\\d+\\.\\$Proxy\\d+", "proxy")));
		}
		assertThat(failures.get(1)).isEqualTo(failures.get(0));
		assertThat(failures.get(0)).startsWith("org.springframework.beans.factory.UnsatisfiedDependencyException")
			.contains("org.springframework.beans.factory.BeanNotOfRequiredTypeException");
	}

	private static List<Boolean> futureTypes(Future<?> future, CompletableFuture<?> completable) {
		return List.of(future instanceof CompletableFuture, future instanceof RunnableFuture,
				completable instanceof CompletableFuture, completable instanceof RunnableFuture);
	}

	private static boolean hasAsyncAdvisor(Object bean) {
		for (Advisor advisor : ((Advised) bean).getAdvisors()) {
			if (advisor instanceof AsyncAnnotationAdvisor) {
				return true;
			}
		}
		return false;
	}

	/**
	 * What the {@code @Async} methods saw, in order.
	 */
	static final class Calls {

		private final BlockingQueue<String> calls = new LinkedBlockingQueue<>();

		void add(String call) {
			this.calls.add(call);
		}

		String next() throws InterruptedException {
			String call = this.calls.poll(30, TimeUnit.SECONDS);
			assertThat(call).as("an @Async call").isNotNull();
			return call;
		}

		static String thread() {
			String name = Thread.currentThread().getName();
			return name.equals("main") || name.startsWith("Test worker") ? "main thread" : name;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class AsyncConfiguration implements AsyncConfigurer {

		private final Calls calls = new Calls();

		@Bean
		AsyncMethods methods() {
			return new AsyncMethods();
		}

		@Bean
		QualifiedAsyncMethods qualified() {
			return new QualifiedAsyncMethods();
		}

		@Bean
		AsyncServiceBean withInterface() {
			return new AsyncServiceBean();
		}

		@Bean
		AsyncInterface asyncInterface() {
			return new AsyncInterfaceBean();
		}

		@Bean
		AsyncRefreshListener listener() {
			return new AsyncRefreshListener();
		}

		@Bean
		Calls calls() {
			return this.calls;
		}

		@Bean
		ThreadPoolTaskExecutor e0() {
			return executor("e0-");
		}

		@Bean
		ThreadPoolTaskExecutor e1() {
			return executor("e1-");
		}

		@Bean
		ThreadPoolTaskExecutor e2() {
			return executor("e2-");
		}

		@Override
		public AsyncUncaughtExceptionHandler getAsyncUncaughtExceptionHandler() {
			return (ex, method, params) -> this.calls.add("handled " + Differential.describe(ex) + " from "
					+ method.getName() + List.of(params) + " on " + Calls.thread());
		}

		private static ThreadPoolTaskExecutor executor(String prefix) {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setThreadNamePrefix(prefix);
			return executor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableAsync
	static class CustomAsyncConfigurerConfiguration implements AsyncConfigurer {

		private final Calls calls = new Calls();

		@Bean
		Calls calls() {
			return this.calls;
		}

		@Bean
		AsyncMethods methods() {
			return new AsyncMethods();
		}

		@Override
		public Executor getAsyncExecutor() {
			ThreadPoolTaskExecutor executor = new ThreadPoolTaskExecutor();
			executor.setThreadNamePrefix("Custom-");
			executor.initialize();
			return executor;
		}

		@Override
		public AsyncUncaughtExceptionHandler getAsyncUncaughtExceptionHandler() {
			return (ex, method, params) -> this.calls.add("custom handler " + Differential.describe(ex));
		}

	}

	static class AsyncMethods {

		@Autowired
		private Calls calls;

		public void doNothing() {
			this.calls.add(Calls.thread());
		}

		@Async
		public void doSomething() {
			this.calls.add(Calls.thread());
		}

		@Async
		@SuppressWarnings("removal")
		public Future<String> returnSomething(int i) {
			if (i == 0) {
				throw new IllegalArgumentException("0");
			}
			if (i < 0) {
				return AsyncResult.forExecutionException(new IOException(String.valueOf(i)));
			}
			return AsyncResult.forValue(Integer.toString(i));
		}

		@Async
		public CompletableFuture<String> returnSomethingCompletable(int i) {
			if (i == 0) {
				throw new IllegalArgumentException("0");
			}
			if (i < 0) {
				return CompletableFuture.failedFuture(new IOException(String.valueOf(i)));
			}
			return CompletableFuture.completedFuture(Integer.toString(i));
		}

		@Async
		public void fail(String argument) {
			throw new UnsupportedOperationException(argument);
		}

	}

	@Async("e0")
	static class QualifiedAsyncMethods {

		@Autowired
		private Calls calls;

		@Async("e1")
		public void onE1() {
			this.calls.add(Calls.thread());
		}

		@OnE2
		public Future<String> onE2() {
			return CompletableFuture.completedFuture(Calls.thread());
		}

		public Future<String> onClassLevelE0() {
			return CompletableFuture.completedFuture(Calls.thread());
		}

	}

	@Async("e2")
	@Retention(RetentionPolicy.RUNTIME)
	@interface OnE2 {

	}

	interface AsyncService {

		Future<String> returnSomething(int i);

	}

	@Async
	static class AsyncServiceBean implements AsyncService {

		@Override
		public Future<String> returnSomething(int i) {
			if (i == 0) {
				throw new IllegalArgumentException("0");
			}
			return CompletableFuture.completedFuture(i + " on " + Calls.thread());
		}

	}

	@Async
	interface AsyncInterface {

		void work();

		Future<String> returnSomething(int i);

	}

	static class AsyncInterfaceBean implements AsyncInterface {

		@Autowired
		private Calls calls;

		@Override
		public void work() {
			this.calls.add(Calls.thread());
		}

		@Override
		public Future<String> returnSomething(int i) {
			return CompletableFuture.completedFuture(i + " on " + Calls.thread());
		}

	}

	interface Refreshes {

		Calls refreshes();

	}

	static class AsyncRefreshListener implements ApplicationListener<ContextRefreshedEvent>, Refreshes {

		private final Calls refreshes = new Calls();

		@Async
		@Override
		public void onApplicationEvent(ContextRefreshedEvent event) {
			this.refreshes.add("refreshed on " + Calls.thread());
		}

		@Override
		public Calls refreshes() {
			return this.refreshes;
		}

	}

	static class AsyncServiceUser {

		AsyncServiceUser(AsyncServiceBean service) {
		}

	}

}
