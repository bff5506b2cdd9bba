package io.github.leakedtasks.agent;

/**
 * Prints the system properties that name Byte Buddy, run by {@link StandaloneAgentTests}
 * in a JVM of its own: what the agent leaves in the JVM's properties.
 */
public final class PropertiesApplication {

	private PropertiesApplication() {
	}

	public static void main(String[] args) {
		System.getProperties()
			.stringPropertyNames()
			.stream()
			.filter((name) -> name.contains("bytebuddy"))
			.sorted()
			.forEach((name) -> System.out.println("property " + name + "=" + System.getProperty(name)));
		System.out.println("agent " + LeakedTasksAgent.tracker().isPresent());
	}

}
