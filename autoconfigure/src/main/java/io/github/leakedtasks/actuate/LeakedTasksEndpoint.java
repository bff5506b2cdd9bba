package io.github.leakedtasks.actuate;

import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;

import com.fasterxml.jackson.annotation.JsonInclude;
import io.github.leakedtasks.tracking.LeakKind;
import io.github.leakedtasks.tracking.LeakSummary;
import io.github.leakedtasks.tracking.OverdueTask;
import io.github.leakedtasks.tracking.TaskTracker;
import io.github.leakedtasks.tracking.UntrackedType;

import org.springframework.boot.actuate.endpoint.Access;
import org.springframework.boot.actuate.endpoint.SecurityContext;
import org.springframework.boot.actuate.endpoint.Show;
import org.springframework.boot.actuate.endpoint.annotation.DeleteOperation;
import org.springframework.boot.actuate.endpoint.annotation.Endpoint;
import org.springframework.boot.actuate.endpoint.annotation.ReadOperation;
import org.springframework.boot.actuate.endpoint.annotation.Selector;

/**
 * {@link Endpoint @Endpoint} listing lost and dropped tasks, grouped by place, and
 * overdue tasks. Its id has no dash (Spring Boot warns about one); its web path is
 * {@code leaked-tasks}.
 *
 * @since 0.1.0
 */
@Endpoint(id = LeakedTasksEndpoint.ID, defaultAccess = Access.READ_ONLY)
public class LeakedTasksEndpoint {

	/**
	 * The endpoint's id.
	 */
	public static final String ID = "leakedtasks";

	/**
	 * The endpoint's default web path.
	 */
	public static final String PATH = "leaked-tasks";

	private final TaskTracker tracker;

	private final Show showValues;

	private final Set<String> roles;

	private final Supplier<Map<String, ExecutorBeanDescriptor>> executorBeans;

	/**
	 * Create an endpoint.
	 * @param tracker the tracker
	 * @param showValues when to show exception messages
	 * @param roles roles that may see messages when authorized
	 */
	public LeakedTasksEndpoint(TaskTracker tracker, Show showValues, Set<String> roles) {
		this(tracker, showValues, roles, Map::of);
	}

	/**
	 * Create an endpoint that also lists the executor beans.
	 * @param tracker the tracker
	 * @param showValues when to show exception messages
	 * @param roles roles that may see messages when authorized
	 * @param executorBeans whether each executor bean is tracked, by bean name
	 */
	public LeakedTasksEndpoint(TaskTracker tracker, Show showValues, Set<String> roles,
			Supplier<Map<String, ExecutorBeanDescriptor>> executorBeans) {
		this.tracker = tracker;
		this.showValues = showValues;
		this.roles = roles;
		this.executorBeans = executorBeans;
	}

	/**
	 * List the groups of leaks, the overdue tasks and the summary.
	 * @param securityContext the caller's security context
	 * @return the endpoint's response
	 */
	@ReadOperation
	public LeaksDescriptor leaks(SecurityContext securityContext) {
		boolean show = this.showValues.isShown(securityContext, this.roles);
		List<LeakDescriptor> leaks = this.tracker.leaks()
			.stream()
			.map((group) -> LeakDescriptor.of(group, show, false))
			.toList();
		List<OverdueDescriptor> overdue = this.tracker.overdueTasks().stream().map(OverdueDescriptor::of).toList();
		return new LeaksDescriptor(leaks, overdue,
				SummaryDescriptor.of(this.tracker.summary(), this.tracker.untrackedTypes(), this.executorBeans.get()));
	}

	/**
	 * Describe one group of leaks, with the stack trace of its exception.
	 * @param securityContext the caller's security context
	 * @param id the group's id
	 * @return the group, or {@code null} (a 404) for an unknown id
	 */
	@ReadOperation
	public LeakDescriptor leak(SecurityContext securityContext, @Selector String id) {
		boolean show = this.showValues.isShown(securityContext, this.roles);
		return this.tracker.leak(id).map((group) -> LeakDescriptor.of(group, show, true)).orElse(null);
	}

	/**
	 * Clear the list of leaks; the meters and the summary are kept.
	 */
	@DeleteOperation
	public void clear() {
		this.tracker.clearLeaks();
	}

	/**
	 * The endpoint's response.
	 *
	 * @param leaks groups of leaks
	 * @param overdue overdue tasks
	 * @param summary totals since start
	 */
	public record LeaksDescriptor(List<LeakDescriptor> leaks, List<OverdueDescriptor> overdue,
			SummaryDescriptor summary) {

	}

	/**
	 * A task queued or running past the overdue threshold.
	 *
	 * @param executor executor bean name
	 * @param task task type
	 * @param state {@code QUEUED} or {@code RUNNING}
	 * @param age ISO-8601 duration queued or running
	 * @param thread the running thread's name
	 * @param creationTrace frames of the submitting thread, caller first
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	public record OverdueDescriptor(String executor, String task, String state, String age, String thread,
			List<String> creationTrace) {

		static OverdueDescriptor of(OverdueTask task) {
			return new OverdueDescriptor(task.executor(), task.task(), task.state().name(), task.age().toString(),
					task.runningThread(), LeakDescriptor.frames(task.creationTrace()));
		}

	}

	/**
	 * Confirmed leaks since start, including evicted and cleared groups, and the executor
	 * beans.
	 *
	 * @param totals count per kind
	 * @param executors count per executor and kind
	 * @param evictedGroups groups evicted by the cap
	 * @param suspectedThenRetrieved failures listed as suspected and handled afterwards:
	 * a grace period too short for the application
	 * @param jdkOwnFailures futures the Java agent saw the JDK's own code fail itself
	 * (its HTTP client's timeouts) or hand such a failure on to, not watched: the JDK's,
	 * not the application's
	 * @param untracked the types of futures and tasks left untracked because the engine
	 * cannot track them faithfully, with why
	 * @param beans every executor bean, by name, with whether it is tracked
	 */
	public record SummaryDescriptor(Map<LeakKind, Long> totals, Map<String, Map<LeakKind, Long>> executors,
			long evictedGroups, long suspectedThenRetrieved, long jdkOwnFailures, List<UntrackedType> untracked,
			Map<String, ExecutorBeanDescriptor> beans) {

		static SummaryDescriptor of(LeakSummary summary, List<UntrackedType> untracked,
				Map<String, ExecutorBeanDescriptor> beans) {
			return new SummaryDescriptor(summary.totals(), summary.executors(), summary.evictedGroups(),
					summary.suspectedThenRetrieved(), summary.jdkOwnFailures(), untracked, beans);
		}

	}

	/**
	 * Whether an executor bean is tracked.
	 *
	 * @param tracked whether its tasks are tracked
	 * @param reason why it is not, and what to do about it
	 */
	@JsonInclude(JsonInclude.Include.NON_NULL)
	public record ExecutorBeanDescriptor(boolean tracked, String reason) {

	}

	static Set<String> roles(Collection<String> roles) {
		return Set.copyOf(roles);
	}

}
