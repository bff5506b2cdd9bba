package io.github.leakedtasks.tracking;

import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Future;
import java.util.concurrent.FutureTask;

/**
 * Tells a task that is itself a future which keeps its failure and then throws it to
 * whatever runs it: a {@code ForkJoinTask} run by an executor ({@code invoke} rethrows
 * what it recorded), Guava's periodic task (so that the scheduled pool stops running it).
 * The application reads that future, not the one the executor made around it, so the
 * executor's future's failure is left to the task, and not tracked.
 *
 * @since 0.1.0
 */
final class SelfDeliveringTasks {

	private SelfDeliveringTasks() {
	}

	/**
	 * Return whether a task that threw kept the failure itself. A {@code FutureTask}
	 * never throws its task's failure (what escapes its {@code run} was thrown by its
	 * {@code done()}, and nobody keeps it); a {@code ForkJoinTask} kept it if it
	 * completed abnormally (read through a final method of the JDK's); any other future
	 * is taken at its word.
	 * @param task the task, maybe {@code null}
	 * @return whether the failure is the task's own to deliver
	 */
	static boolean keepsItsFailure(Object task) {
		if (!(task instanceof Future<?>) || task instanceof FutureTask<?>) {
			return false;
		}
		if (task instanceof ForkJoinTask<?> forkJoinTask) {
			return forkJoinTask.isCompletedAbnormally();
		}
		return true;
	}

}
