package io.github.leakedtasks.tracking;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.HashSet;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Leaks grouped by kind, executor, task type, creation site, exception type and the frame
 * the exception was thrown at, in bounded memory: past the cap the oldest group is
 * evicted and counted.
 *
 * @since 0.1.0
 */
final class LeakGroups {

	/**
	 * Evicted places remembered at most, whatever the cap on groups: four times the cap,
	 * at least 1,024.
	 */
	static final int MAX_REMEMBERED_PLACES = 16_384;

	/**
	 * Failures of a group whose exceptions' frames are all read; past them, one in
	 * {@link #FRAMES_READ_ONE_IN}.
	 */
	static final int FRAMES_READ_FIRST = 10;

	static final int FRAMES_READ_ONE_IN = 100;

	private final int maxGroups;

	private final LinkedHashMap<Key, Group> confirmed = new LinkedHashMap<>();

	/**
	 * Latest group of each place regardless of creation site, for leaks whose trace was
	 * not sampled.
	 */
	private final Map<Key, Key> bySitelessKey = new HashMap<>();

	/**
	 * Suspected groups, by place without the frame their exceptions were thrown at: a
	 * suspected failure may still be held by the application, whose exception's frames,
	 * once read, it would hold too (about 50 bytes a frame), so they are read only once a
	 * failure is confirmed.
	 */
	private Map<Key, Group> suspected = new LinkedHashMap<>();

	/**
	 * How many confirmed groups each place has, by its key without the frame the
	 * exception was thrown at, with and without its site: a suspected failure of a
	 * confirmed place is not listed apart.
	 */
	private final Map<Key, Integer> confirmedPlaces = new HashMap<>();

	/**
	 * Ids of the confirmed groups and of the evicted ones remembered (see
	 * {@link #evictedKeys}): an id logged once names no other group while its group lives
	 * or is remembered.
	 */
	private final Set<String> idsInUse = new HashSet<>();

	/**
	 * The latest confirmed group of each place, by its key without the frame the
	 * exception was thrown at, with and without its site: a failure past the first of its
	 * place joins it without its frames read (see {@link #joinLatest}).
	 */
	private final Map<Key, Key> latestByPlace = new HashMap<>();

	private final Map<LeakKind, Long> totals = new EnumMap<>(LeakKind.class);

	private final Map<String, Map<LeakKind, Long>> executors = new TreeMap<>();

	private long evicted;

	/**
	 * Places of groups of leaks evicted by the cap, the latest ones (see
	 * {@link #MAX_REMEMBERED_PLACES}): a place that comes back starts a group again but
	 * is not new to the listeners, so that more places than the cap do not log the same
	 * place again and again; each with the id it was logged with, which it gets back, or
	 * {@code null} for the place without a site of a group with one. Uncaught failures,
	 * logged each, are not remembered.
	 */
	private final Map<Key, String> evictedKeys = new LinkedHashMap<>();

	private final int maxRemembered;

	private long suspicionsCleared;

	private long jdkOwnFailures;

	LeakGroups(int maxGroups) {
		this.maxGroups = maxGroups;
		// Two keys per traced place: with its site, and without it for its leaks
		// without a trace.
		this.maxRemembered = 2 * (int) Math.min(MAX_REMEMBERED_PLACES, Math.max(1_024, 4L * maxGroups));
	}

	Added add(LeakReport report, LeakStatus status) {
		Key key = Key.of(report);
		if (report.exception() != null) {
			Added joined = joinLatest(key, report, status);
			if (joined != null) {
				return joined;
			}
			// Read outside the lock: the application's exception.
			key = key.thrownAt(Key.thrownAt(report.exception()));
		}
		return add(key, report, status);
	}

	/**
	 * Add a failure to the latest confirmed group of its place without reading the frame
	 * its exception was thrown at (reading an exception's frames costs about 15 µs for 60
	 * frames), if that group has {@link #FRAMES_READ_FIRST} leaks already and the failure
	 * is not one of the one in {@link #FRAMES_READ_ONE_IN} whose frame is read all the
	 * same, so that a place that starts throwing at a frame of its own later is still
	 * told apart.
	 * @return what was added, or {@code null} if the frame must be read
	 */
	private synchronized Added joinLatest(Key place, LeakReport report, LeakStatus status) {
		Key latest = this.latestByPlace.get(place);
		Group group = (latest != null) ? this.confirmed.get(latest) : null;
		if (group == null || group.count < FRAMES_READ_FIRST
				|| ThreadLocalRandom.current().nextInt(FRAMES_READ_ONE_IN) == 0) {
			return null;
		}
		return add(latest, report, status);
	}

	private synchronized Added add(Key reported, LeakReport report, LeakStatus status) {
		Key key = resolve(reported, this.confirmed);
		adoptSitelessGroup(key);
		Key place = key.withoutThrownAt();
		if (this.suspected.containsKey(place) || this.suspected.containsKey(place.withoutSite())) {
			// Confirmed now: the suspicion of the latest sweep must not outlive it, even
			// if this group is evicted.
			Map<Key, Group> suspected = new LinkedHashMap<>(this.suspected);
			suspected.remove(place);
			suspected.remove(place.withoutSite());
			this.suspected = suspected;
		}
		Group group = this.confirmed.get(key);
		boolean created = group == null;
		if (created) {
			// Back after its group was evicted: logged before, so not new, and under the
			// id it was logged with.
			created = !this.evictedKeys.containsKey(key);
			String id = this.evictedKeys.remove(key);
			if (id == null) {
				id = newId(key, place);
			}
			group = new Group(key, id, report.time());
			this.idsInUse.add(id);
			this.confirmed.put(key, group);
			countPlace(key, 1);
			latest(key);
			this.bySitelessKey.put(key.withoutSite(), key);
			evictOverCap();
		}
		group.add(report);
		if (report.kind() != LeakKind.UNCAUGHT) {
			this.totals.merge(report.kind(), 1L, Long::sum);
			this.executors.computeIfAbsent(report.executor(), (name) -> new EnumMap<>(LeakKind.class))
				.merge(report.kind(), 1L, Long::sum);
		}
		return new Added(group.toLeakGroup(status), created);
	}

	synchronized void replaceSuspected(List<LeakReport> reports) {
		Map<Key, Group> suspected = new LinkedHashMap<>();
		for (LeakReport report : reports) {
			// Never the exception's frames (see suspected).
			Key key = Key.of(report);
			if (this.confirmedPlaces.containsKey(key)) {
				continue;
			}
			Group group = suspected.get(key);
			if (group == null) {
				if (suspected.size() >= this.maxGroups) {
					continue;
				}
				group = new Group(key, key.id(), report.time());
				suspected.put(key, group);
			}
			group.add(report);
		}
		this.suspected = suspected;
	}

	synchronized List<LeakGroup> snapshot() {
		List<LeakGroup> groups = new ArrayList<>(this.confirmed.size() + this.suspected.size());
		this.confirmed.values().forEach((group) -> groups.add(group.toLeakGroup(LeakStatus.CONFIRMED)));
		this.suspected.forEach((key, group) -> {
			if (!this.confirmedPlaces.containsKey(key)) {
				groups.add(group.toLeakGroup(LeakStatus.SUSPECTED));
			}
		});
		return groups;
	}

	synchronized void clear() {
		this.confirmed.clear();
		this.bySitelessKey.clear();
		this.suspected.clear();
		this.confirmedPlaces.clear();
		this.idsInUse.clear();
		this.latestByPlace.clear();
		this.evictedKeys.clear();
	}

	synchronized void suspicionCleared() {
		this.suspicionsCleared++;
	}

	synchronized void jdkOwnFailure() {
		this.jdkOwnFailures++;
	}

	synchronized LeakSummary summary() {
		Map<String, Map<LeakKind, Long>> executors = new TreeMap<>();
		this.executors.forEach((name, counts) -> executors.put(name, Map.copyOf(counts)));
		return new LeakSummary(Map.copyOf(this.totals), executors, this.evicted, this.suspicionsCleared,
				this.jdkOwnFailures);
	}

	/**
	 * A leak without a creation trace joins the latest group of its place with one:
	 * sampling must not split a place.
	 */
	private Key resolve(Key key, Map<Key, Group> groups) {
		if (!key.site().isEmpty()) {
			return key;
		}
		Key traced = this.bySitelessKey.get(key);
		return (traced != null && groups.containsKey(traced)) ? traced : key;
	}

	/**
	 * A group started by leaks without a trace takes the site of the first traced leak of
	 * its place.
	 */
	private void adoptSitelessGroup(Key key) {
		if (key.site().isEmpty() || this.confirmed.containsKey(key)) {
			return;
		}
		Key siteless = key.withoutSite();
		Group group = this.confirmed.get(siteless);
		if (group != null) {
			Map<Key, Group> reordered = new LinkedHashMap<>(this.confirmed);
			this.confirmed.clear();
			reordered
				.forEach((existing, value) -> this.confirmed.put(existing.equals(siteless) ? key : existing, value));
			group.key = key;
			String logged = this.evictedKeys.remove(key);
			if (logged != null) {
				// The traced place is back after its group was evicted: under its id.
				this.idsInUse.remove(group.id);
				group.id = logged;
			}
			countPlace(siteless, -1);
			countPlace(key, 1);
			this.latestByPlace.replace(siteless.withoutThrownAt(), siteless, key);
			latest(key);
			this.bySitelessKey.put(siteless, key);
		}
	}

	/**
	 * The id of a new confirmed group: its place's, the id of the place's suspected
	 * group, unless a group has it (or had it and is remembered); then one of its own.
	 */
	private String newId(Key key, Key place) {
		String id = place.id();
		if (this.idsInUse.contains(id)) {
			id = key.thrownAtId();
			while (this.idsInUse.contains(id)) {
				// Its own taken by a group of untraced leaks that took a traced leak's
				// origin: rehashed.
				id = Key.fnv(id);
			}
		}
		return id;
	}

	private void latest(Key key) {
		Key place = key.withoutThrownAt();
		this.latestByPlace.put(place, key);
		if (!place.site().isEmpty()) {
			this.latestByPlace.put(place.withoutSite(), key);
		}
	}

	/**
	 * Count a confirmed group for its place, without the frame its exceptions were thrown
	 * at: with its site, and without it.
	 */
	private void countPlace(Key key, int delta) {
		Key place = key.withoutThrownAt();
		this.confirmedPlaces.merge(place, delta, LeakGroups::countOrNone);
		if (!place.site().isEmpty()) {
			this.confirmedPlaces.merge(place.withoutSite(), delta, LeakGroups::countOrNone);
		}
	}

	private static Integer countOrNone(Integer count, Integer delta) {
		int sum = count + delta;
		return (sum != 0) ? sum : null;
	}

	private void evictOverCap() {
		Iterator<Group> oldest = this.confirmed.values().iterator();
		while (this.confirmed.size() > this.maxGroups && oldest.hasNext()) {
			Group evictedGroup = oldest.next();
			Key evictedKey = evictedGroup.key;
			oldest.remove();
			countPlace(evictedKey, -1);
			Key place = evictedKey.withoutThrownAt();
			this.latestByPlace.remove(place, evictedKey);
			this.latestByPlace.remove(place.withoutSite(), evictedKey);
			this.bySitelessKey.remove(evictedKey.withoutSite(), evictedKey);
			this.evicted++;
			if (evictedKey.kind() == LeakKind.UNCAUGHT) {
				// Not remembered: its id is let go.
				this.idsInUse.remove(evictedGroup.id);
				continue;
			}
			remember(evictedKey, evictedGroup.id);
			if (!evictedKey.site().isEmpty()) {
				// Its leaks without a trace, which would join it, start a group of the
				// place without a site.
				remember(evictedKey.withoutSite(), null);
			}
		}
	}

	/**
	 * Remember an evicted group's key, with its id, or {@code null} for the place without
	 * a site of an evicted group with one.
	 */
	private void remember(Key evictedKey, String id) {
		String previous = this.evictedKeys.remove(evictedKey);
		this.evictedKeys.put(evictedKey, (id != null) ? id : previous);
		if (this.evictedKeys.size() > this.maxRemembered) {
			Iterator<Map.Entry<Key, String>> eldest = this.evictedKeys.entrySet().iterator();
			String forgotten = eldest.next().getValue();
			eldest.remove();
			if (forgotten != null) {
				this.idsInUse.remove(forgotten);
			}
		}
	}

	record Added(LeakGroup group, boolean newGroup) {
	}

	/**
	 * A group's place: with its creation site ({@code ""} without a trace) and, for a
	 * failure, the frame it was thrown at, so that two places of the code that lose the
	 * same exception type from the same task type (two futures the application failed by
	 * hand, which the agent sees without a trace) are two groups, each logged.
	 */
	private record Key(LeakKind kind, String executor, String task, String site, String exceptionType,
			String thrownAt) {

		/**
		 * The key of a report, without the frame its exception was thrown at.
		 */
		static Key of(LeakReport report) {
			StackTraceElement site = (report.creationTrace() != null) ? report.creationTrace().origin() : null;
			return new Key(report.kind(), report.executor(), report.task(), (site != null) ? site.toString() : "",
					report.exceptionType(), "");
		}

		/**
		 * The exception's first frame outside the JDK and the frameworks, or its first
		 * frame if every frame is theirs, as the creation trace's origin is chosen;
		 * without its class loader, module and version, so that a place keeps its key
		 * across the JDK's versions.
		 */
		static String thrownAt(Throwable exception) {
			if (exception == null) {
				return "";
			}
			StackTraceElement[] frames = Exceptions.stackTrace(exception);
			if (frames.length == 0) {
				return "";
			}
			StackTraceElement thrownAt = frames[0];
			for (StackTraceElement frame : frames) {
				if (!CreationTrace.isFramework(frame.getClassName())) {
					thrownAt = frame;
					break;
				}
			}
			return thrownAt.getClassName() + "." + thrownAt.getMethodName() + ":" + thrownAt.getLineNumber();
		}

		Key withoutSite() {
			return new Key(this.kind, this.executor, this.task, "", this.exceptionType, this.thrownAt);
		}

		Key withoutThrownAt() {
			return thrownAt("");
		}

		Key thrownAt(String frame) {
			return new Key(this.kind, this.executor, this.task, this.site, this.exceptionType, frame);
		}

		/**
		 * The id of a place, for a key without the frame the exception was thrown at: the
		 * same place always gets the same id, suspected or confirmed.
		 */
		String id() {
			return fnv(toString());
		}

		/**
		 * The id of a confirmed group of a place whose id another group of the place
		 * holds: never the id of a place.
		 */
		String thrownAtId() {
			return fnv("thrown " + this);
		}

		static String fnv(String text) {
			// FNV-1a.
			long hash = 0xcbf29ce484222325L;
			for (byte b : text.getBytes(StandardCharsets.UTF_8)) {
				hash ^= b;
				hash *= 0x100000001b3L;
			}
			return String.format("%016x", hash);
		}

	}

	private static final class Group {

		private Key key;

		private String id;

		private final Instant firstSeen;

		private Instant lastSeen;

		private long count;

		private LeakReport latest;

		private CreationTrace creationTrace;

		Group(Key key, String id, Instant firstSeen) {
			this.key = key;
			this.id = id;
			this.firstSeen = firstSeen;
		}

		void add(LeakReport report) {
			this.count++;
			this.lastSeen = report.time();
			this.latest = report;
			if (report.creationTrace() != null) {
				// Sampling leaves most leaks of a place untraced: keep the place's trace.
				this.creationTrace = report.creationTrace();
			}
		}

		LeakGroup toLeakGroup(LeakStatus status) {
			return new LeakGroup(this.id, this.key.kind(), status, this.key.executor(), this.key.task(),
					this.key.exceptionType(), this.count, this.firstSeen, this.lastSeen, this.latest,
					this.creationTrace);
		}

	}

}
