package com.example.reflecting;

import java.lang.invoke.MethodHandles;
import java.lang.reflect.InvocationTargetException;
import java.util.concurrent.Callable;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.FutureTask;

import io.github.leakedtasks.agent.LeakedTasksAgent;

/**
 * An application's code that reflects into the private members of
 * {@code java.util.concurrent}, run by {@code StandaloneAgentTests} in a JVM of its own,
 * with the agent and without: it is refused alike, and the bridge's lookups are refused
 * to it.
 */
public final class ReflectingApplication {

	private ReflectingApplication() {
	}

	public static void main(String[] args) {
		System.out.println("setAccessible "
				+ attempt(() -> CompletableFuture.class.getDeclaredField("result").trySetAccessible()));
		System.out.println("setAccessible throws " + attempt(() -> {
			FutureTask.class.getDeclaredField("callable").setAccessible(true);
			return "done";
		}));
		System.out.println("privateLookupIn "
				+ attempt(() -> MethodHandles.privateLookupIn(FutureTask.class, MethodHandles.lookup())));
		System.out
			.println("bridge " + attempt(() -> Class.forName("io.github.leakedtasks.agent.bootstrap.ConcurrentAccess")
				.getMethod("privateLookupIn", Class.class)
				.invoke(null, CompletableFuture.class)));
		System.out.println("agent " + LeakedTasksAgent.tracker().isPresent());
	}

	private static String attempt(Callable<?> action) {
		try {
			return "returned " + action.call();
		}
		catch (InvocationTargetException ex) {
			return "threw " + ex.getCause().getClass().getName();
		}
		catch (Exception ex) {
			return "threw " + ex.getClass().getName();
		}
	}

}
