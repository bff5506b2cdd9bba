package net.bytebuddy.leakedtasks;

import java.util.concurrent.FutureTask;

/**
 * A class in Byte Buddy's package, as an application's copy of Byte Buddy would have: a
 * task it creates for its caller is the caller's, whose line a report names.
 */
public final class FrameworkTaskFactory {

	private FrameworkTaskFactory() {
	}

	public static void runFailingTask(String message) {
		new FutureTask<>(() -> {
			throw new IllegalStateException(message);
		}).run();
	}

}
