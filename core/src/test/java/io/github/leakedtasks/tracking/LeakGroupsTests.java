package io.github.leakedtasks.tracking;

import java.time.Instant;
import java.util.List;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Groups keyed by the frame their exceptions were thrown at: each group's id is its own,
 * and a suspected place keeps its id once confirmed.
 */
class LeakGroupsTests {

	@Test
	void placeThrowingAtTwoFramesIsTwoConfirmedGroupsTheFirstWithThePlacesId() {
		LeakGroups groups = new LeakGroups(10);
		groups.replaceSuspected(List.of(report(thrownHere()), report(thrownThere())));
		assertThat(groups.snapshot()).singleElement().satisfies((group) -> {
			assertThat(group.status()).isEqualTo(LeakStatus.SUSPECTED);
			assertThat(group.count()).isEqualTo(2);
		});
		String placeId = groups.snapshot().get(0).id();
		LeakGroups.Added first = groups.add(report(thrownHere()), LeakStatus.CONFIRMED);
		LeakGroups.Added second = groups.add(report(thrownThere()), LeakStatus.CONFIRMED);
		assertThat(first.newGroup()).isTrue();
		assertThat(second.newGroup()).isTrue();
		assertThat(first.group().id()).isEqualTo(placeId);
		assertThat(second.group().id()).isNotEqualTo(placeId);
		// The place is confirmed: its suspected failures are not listed apart.
		groups.replaceSuspected(List.of(report(thrownThere())));
		assertThat(groups.snapshot()).extracting(LeakGroup::status)
			.containsExactly(LeakStatus.CONFIRMED, LeakStatus.CONFIRMED);
	}

	@Test
	void frameAPlaceStartsThrowingAtPastItsFirstLeaksIsToldApartBySampling() {
		LeakGroups groups = new LeakGroups(10);
		for (int i = 0; i < 20; i++) {
			groups.add(report(thrownHere()), LeakStatus.CONFIRMED);
		}
		// One in 100 has its frame read: never in 3,000 has a chance of 1 in 10^13.
		for (int i = 0; i < 3_000; i++) {
			groups.add(report(thrownThere()), LeakStatus.CONFIRMED);
		}
		// Those of the new frame read before joined the place's group then.
		assertThat(groups.snapshot()).hasSize(2);
		assertThat(groups.snapshot().stream().mapToLong(LeakGroup::count).sum()).isEqualTo(3_020);
	}

	@Test
	void exceptionWithoutFramesGetsAnIdOfItsOwn() {
		LeakGroups groups = new LeakGroups(10);
		String placeId = groups.add(report(thrownHere()), LeakStatus.CONFIRMED).group().id();
		String frameless = groups.add(report(new FramelessException()), LeakStatus.CONFIRMED).group().id();
		assertThat(frameless).isNotEqualTo(placeId);
	}

	@Test
	void placesIdNamesOneGroupOnlyWhileItsEvictedHolderIsRememberedAndGoesBackToIt() {
		LeakGroups groups = new LeakGroups(2);
		LeakGroups.Added here = groups.add(report(thrownHere()), LeakStatus.CONFIRMED);
		String placeId = here.group().id();
		groups.add(report(thrownThere()), LeakStatus.CONFIRMED);
		// Evicts the group that holds the place's id.
		groups.add(report("other", thrownHere()), LeakStatus.CONFIRMED);
		LeakGroups.Added elsewhere = groups.add(report(thrownElsewhere()), LeakStatus.CONFIRMED);
		assertThat(elsewhere.newGroup()).isTrue();
		assertThat(elsewhere.group().id()).isNotEqualTo(placeId);
		assertDistinctIds(groups);
		LeakGroups.Added back = groups.add(report(thrownHere()), LeakStatus.CONFIRMED);
		assertThat(back.newGroup()).isFalse();
		assertThat(back.group().id()).isEqualTo(placeId);
		assertDistinctIds(groups);
	}

	@Test
	void tracedPlaceBackThroughAGroupOfItsUntracedLeaksGetsItsLoggedIdBack() {
		LeakGroups groups = new LeakGroups(1);
		String logged = groups.add(traced(thrownHere()), LeakStatus.CONFIRMED).group().id();
		// Evicts it: its untraced leaks start a group of the place without an origin.
		groups.add(report("other", thrownHere()), LeakStatus.CONFIRMED);
		LeakGroups.Added untraced = groups.add(report(thrownHere()), LeakStatus.CONFIRMED);
		assertThat(untraced.newGroup()).isFalse();
		assertThat(untraced.group().id()).isNotEqualTo(logged);
		LeakGroups.Added back = groups.add(traced(thrownHere()), LeakStatus.CONFIRMED);
		assertThat(back.newGroup()).isFalse();
		assertThat(back.group().id()).isEqualTo(logged);
		assertThat(back.group().count()).isEqualTo(2);
	}

	@Test
	void placesIdIsLetGoOnceItsHolderIsForgotten() {
		// One group at most and 2,048 evicted keys remembered (these have no site, so
		// one key each).
		LeakGroups groups = new LeakGroups(1);
		String placeId = groups.add(report(thrownHere()), LeakStatus.CONFIRMED).group().id();
		for (int i = 0; i < 2_100; i++) {
			groups.add(report("place" + i, thrownHere()), LeakStatus.CONFIRMED);
		}
		LeakGroups.Added elsewhere = groups.add(report(thrownElsewhere()), LeakStatus.CONFIRMED);
		assertThat(elsewhere.newGroup()).isTrue();
		assertThat(elsewhere.group().id()).isEqualTo(placeId);
	}

	@Test
	void exceptionWhoseFramesAreAllTheJdksIsKeyedByItsFirstFrame() {
		LeakGroups groups = new LeakGroups(10);
		groups.add(report(jdkException("a")), LeakStatus.CONFIRMED);
		groups.add(report(jdkException("b")), LeakStatus.CONFIRMED);
		assertThat(groups.snapshot()).singleElement().satisfies((group) -> assertThat(group.count()).isEqualTo(2));
	}

	private static void assertDistinctIds(LeakGroups groups) {
		List<String> ids = groups.snapshot().stream().map(LeakGroup::id).toList();
		assertThat(ids).doesNotHaveDuplicates();
	}

	private static LeakReport report(Throwable exception) {
		return report("task", exception);
	}

	private static LeakReport report(String task, Throwable exception) {
		return new LeakReport(LeakKind.EXCEPTION_NOT_RETRIEVED, "orders", task, exception, null, "main", Instant.now());
	}

	private static LeakReport traced(Throwable exception) {
		Throwable capture = new Throwable();
		capture
			.setStackTrace(new StackTraceElement[] { new StackTraceElement("com.example.Orders", "place", null, 7) });
		return new LeakReport(LeakKind.EXCEPTION_NOT_RETRIEVED, "orders", "task", exception,
				CreationTrace.of(capture, TrackingSettings.defaults()), "main", Instant.now());
	}

	private static IllegalStateException thrownHere() {
		return new IllegalStateException("here");
	}

	private static IllegalStateException thrownThere() {
		return new IllegalStateException("there");
	}

	private static IllegalStateException thrownElsewhere() {
		return new IllegalStateException("elsewhere");
	}

	private static IllegalStateException jdkException(String message) {
		IllegalStateException exception = new IllegalStateException(message);
		exception.setStackTrace(new StackTraceElement[] {
				new StackTraceElement("java.util.concurrent.CompletableFuture", "completeExceptionally", null, 10),
				new StackTraceElement("java.lang.Thread", "run", null, 20) });
		return exception;
	}

	static final class FramelessException extends IllegalStateException {

		FramelessException() {
			super("no frames");
			setStackTrace(new StackTraceElement[0]);
		}

	}

}
