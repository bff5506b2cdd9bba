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
	void idsStayDistinctAsAPlacesGroupsAreEvictedAndMadeAgain() {
		LeakGroups groups = new LeakGroups(2);
		String placeId = groups.add(report(thrownHere()), LeakStatus.CONFIRMED).group().id();
		String frameless = groups.add(report(new FramelessException()), LeakStatus.CONFIRMED).group().id();
		assertThat(frameless).isNotEqualTo(placeId);
		// Evicts the group that held the place's id.
		groups.add(report(thrownThere()), LeakStatus.CONFIRMED);
		assertDistinctIds(groups);
		LeakGroup again = groups.add(report(thrownHere()), LeakStatus.CONFIRMED).group();
		assertThat(again.id()).isEqualTo(placeId);
		assertDistinctIds(groups);
		assertThat(groups.snapshot()).hasSize(2);
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
		return new LeakReport(LeakKind.EXCEPTION_NOT_RETRIEVED, "orders", "task", exception, null, "main",
				Instant.now());
	}

	private static IllegalStateException thrownHere() {
		return new IllegalStateException("here");
	}

	private static IllegalStateException thrownThere() {
		return new IllegalStateException("there");
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
