package io.github.leakedtasks.autoconfigure;

import java.lang.management.ManagementFactory;

import org.springframework.context.ApplicationContext;

/**
 * Whether these suites run with the leaked-tasks Java agent attached, as the agent module
 * runs them again: executor beans the agent watches are then left unwrapped, and one
 * engine, the agent's, is shared by every context of the JVM.
 */
public final class AgentMode {

	private static final boolean ATTACHED = ManagementFactory.getRuntimeMXBean()
		.getInputArguments()
		.stream()
		.anyMatch((argument) -> argument.startsWith("-javaagent:") && argument.contains("leaked-tasks-agent"));

	private AgentMode() {
	}

	/**
	 * Whether the agent is attached.
	 * @return whether the agent is attached
	 */
	public static boolean attached() {
		return ATTACHED;
	}

	/**
	 * Whether the starter left an executor bean unwrapped for the agent to track.
	 * @param context the context
	 * @param beanName the executor bean's name
	 * @return whether the bean is tracked by the agent, without a wrapper
	 */
	static boolean leftToTheAgent(ApplicationContext context, String beanName) {
		if (!ATTACHED || context.getBeanNamesForType(LeakedTasksBeanPostProcessor.class, false, false).length == 0) {
			return false;
		}
		Object bean = context.getBean(beanName);
		LeakedTasksBeanPostProcessor.ExecutorBean executorBean = context.getBean(LeakedTasksBeanPostProcessor.class)
			.executorBeans()
			.get(beanName);
		return executorBean != null && executorBean.tracked() && !ExecutorProxies.isWrapped(bean)
				&& !io.github.leakedtasks.tracking.TaskTracker.isTracked(bean);
	}

}
