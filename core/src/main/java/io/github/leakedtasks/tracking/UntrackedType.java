package io.github.leakedtasks.tracking;

/**
 * A type of future or task the engine leaves untracked, because it cannot track it
 * faithfully, with why. Said once at DEBUG when first seen, and listed by
 * {@link TaskTracker#untrackedTypes()} (at most 100 types for each reason).
 *
 * @param type the class name of the future or task
 * @param reason why its failures are not tracked
 * @since 0.1.0
 */
public record UntrackedType(String type, String reason) {

	static final String FUTURE_REASON = "futures of this type are handed to callers as they are: no tracked view"
			+ " can stand in for them, so the failures of their tasks are not tracked";

	static final String HANDED_OVER_REASON = "tasks of this type are handed as they are to pools whose own"
			+ " newTaskFor or decorateTask receives them and may tell them apart by their type: their failures"
			+ " are not tracked there";

	static final String LEFT_TO_TASK_REASON = "tasks of this type are futures that keep their failure and throw it"
			+ " on: the failure of the future that runs one is left to it, and not tracked";

}
