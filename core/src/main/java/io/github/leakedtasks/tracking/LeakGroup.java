package io.github.leakedtasks.tracking;

import java.time.Instant;

/**
 * Leaks of one kind from one place: same executor, task type, creation site and exception
 * type.
 *
 * @param id identifier, stable while the group lives
 * @param kind what was lost
 * @param status {@link LeakStatus#CONFIRMED} once the collector confirmed one of them
 * @param executor name of the executor
 * @param task task type
 * @param exceptionType class name of the failure, or {@code null} for drops
 * @param count how many leaks the group holds
 * @param firstSeen when the first was detected
 * @param lastSeen when the latest was detected
 * @param latest the latest leak
 * @param creationTrace where the group's tasks were created: the latest trace captured
 * for it, or {@code null}
 * @since 0.1.0
 */
public record LeakGroup(String id, LeakKind kind, LeakStatus status, String executor, String task, String exceptionType,
		long count, Instant firstSeen, Instant lastSeen, LeakReport latest, CreationTrace creationTrace) {

}
