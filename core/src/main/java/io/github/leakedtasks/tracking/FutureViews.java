package io.github.leakedtasks.tracking;

import java.util.ArrayDeque;
import java.util.Arrays;
import java.util.Deque;
import java.util.HashSet;
import java.util.Set;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ForkJoinTask;
import java.util.concurrent.Future;
import java.util.concurrent.RunnableFuture;
import java.util.concurrent.RunnableScheduledFuture;
import java.util.concurrent.ScheduledFuture;

/**
 * Chooses the view of an executor's future to hand to the caller: one that implements
 * every interface the executor's future does, so that no {@code instanceof} check or cast
 * of the caller's changes its answer. A future no view can stand in for (a
 * {@link ForkJoinTask}, whose reading methods are final, or a future with interfaces of
 * its own) is handed to the caller as it is, and its task is not tracked.
 *
 * @since 0.1.0
 */
final class FutureViews {

	private static final Kind[] ALL_KINDS = Kind.values();

	/**
	 * The kind of each future type, as its ordinal: the value a {@code ClassValue} stores
	 * on a class of the JDK stays as long as the JDK's class, and a value of this
	 * library's own type would keep the class loader that loaded the library (a web
	 * application's, after it was undeployed) with it.
	 */
	private static final ClassValue<Integer> KINDS = new ClassValue<>() {

		@Override
		protected Integer computeValue(Class<?> type) {
			return kindOf(type).ordinal();
		}

	};

	private FutureViews() {
	}

	/**
	 * Return the caller's view of an executor's future, or {@code null} if none can stand
	 * in for it faithfully.
	 */
	@SuppressWarnings({ "unchecked", "rawtypes" })
	static <V> Future<V> viewOf(Future<V> future, TrackedTask<?> task) {
		return switch (kindOfType(future.getClass())) {
			case PLAIN -> new TrackedFuture<>(future, task);
			case RUNNABLE -> new TrackedRunnableFuture<>((RunnableFuture<V>) future, task);
			case SCHEDULED -> new TrackedScheduledFuture<>((ScheduledFuture<V>) future, task);
			case RUNNABLE_SCHEDULED -> new TrackedRunnableScheduledFuture<>((RunnableScheduledFuture<V>) future, task);
			case UNFAITHFUL -> null;
		};
	}

	/**
	 * Whether a view can stand in for futures of a type.
	 */
	static boolean canStandFor(Class<?> futureType) {
		return kindOfType(futureType) != Kind.UNFAITHFUL;
	}

	private static Kind kindOfType(Class<?> type) {
		return ALL_KINDS[KINDS.get(type)];
	}

	private static Kind kindOf(Class<?> type) {
		if (ForkJoinTask.class.isAssignableFrom(type) || CompletableFuture.class.isAssignableFrom(type)) {
			return Kind.UNFAITHFUL;
		}
		Kind kind = RunnableScheduledFuture.class.isAssignableFrom(type) ? Kind.RUNNABLE_SCHEDULED
				: ScheduledFuture.class.isAssignableFrom(type) ? Kind.SCHEDULED
						: RunnableFuture.class.isAssignableFrom(type) ? Kind.RUNNABLE : Kind.PLAIN;
		return kind.view.containsAll(interfacesOf(type)) ? kind : Kind.UNFAITHFUL;
	}

	private static Set<Class<?>> interfacesOf(Class<?> type) {
		Set<Class<?>> interfaces = new HashSet<>();
		Deque<Class<?>> pending = new ArrayDeque<>();
		for (Class<?> current = type; current != null; current = current.getSuperclass()) {
			pending.addAll(Arrays.asList(current.getInterfaces()));
		}
		while (!pending.isEmpty()) {
			Class<?> next = pending.pop();
			if (interfaces.add(next)) {
				pending.addAll(Arrays.asList(next.getInterfaces()));
			}
		}
		return interfaces;
	}

	private enum Kind {

		PLAIN(TrackedFuture.class), RUNNABLE(TrackedRunnableFuture.class), SCHEDULED(TrackedScheduledFuture.class),
		RUNNABLE_SCHEDULED(TrackedRunnableScheduledFuture.class), UNFAITHFUL(null);

		/** The interfaces the view implements. */
		final Set<Class<?>> view;

		Kind(Class<?> view) {
			this.view = (view != null) ? interfacesOf(view) : Set.of();
		}

	}

}
