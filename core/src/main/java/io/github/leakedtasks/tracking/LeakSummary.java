package io.github.leakedtasks.tracking;

import java.util.Map;

/**
 * Confirmed leaks since start, including those of groups evicted by the cap or cleared.
 *
 * @param totals count per kind
 * @param executors count per executor and kind
 * @param evictedGroups number of groups evicted because of the cap on groups
 * @param suspectedThenRetrieved number of failures listed as suspected that were
 * retrieved (or cancelled, or handled by their executor) afterwards: a grace period too
 * short for the application
 * @param jdkOwnFailures number of futures a source saw the JDK's own code fail itself
 * (its HTTP client's timeouts), or hand such a failure on to: not watched, since they are
 * the JDK's, not the application's (one failure handed on to three of the JDK's stages
 * counts four times)
 * @since 0.1.0
 */
public record LeakSummary(Map<LeakKind, Long> totals, Map<String, Map<LeakKind, Long>> executors, long evictedGroups,
		long suspectedThenRetrieved, long jdkOwnFailures) {

	/**
	 * Create a summary without the count of the JDK's own failures.
	 * @param totals count per kind
	 * @param executors count per executor and kind
	 * @param evictedGroups number of groups evicted because of the cap on groups
	 * @param suspectedThenRetrieved number of failures listed as suspected that were
	 * retrieved afterwards
	 */
	public LeakSummary(Map<LeakKind, Long> totals, Map<String, Map<LeakKind, Long>> executors, long evictedGroups,
			long suspectedThenRetrieved) {
		this(totals, executors, evictedGroups, suspectedThenRetrieved, 0);
	}

	/**
	 * Create a summary without the count of suspicions later retrieved.
	 * @param totals count per kind
	 * @param executors count per executor and kind
	 * @param evictedGroups number of groups evicted because of the cap on groups
	 */
	public LeakSummary(Map<LeakKind, Long> totals, Map<String, Map<LeakKind, Long>> executors, long evictedGroups) {
		this(totals, executors, evictedGroups, 0, 0);
	}

}
