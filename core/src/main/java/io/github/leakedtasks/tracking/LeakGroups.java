package io.github.leakedtasks.tracking;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.EnumMap;
import java.util.HashMap;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.TreeMap;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Leaks grouped by kind, executor, task type, creation site and exception type, in
 * bounded memory: past the cap the oldest group is evicted and counted.
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
	 * Leaks of a group whose exceptions' frames are all read; past them, one in
	 * {@link #FRAMES_READ_ONE_IN} (reading an exception's frames costs microseconds and
	 * kilobytes).
	 */
	static final int FRAMES_READ_FIRST = 10;

	static final int FRAMES_READ_ONE_IN = 100;

	/**
	 * Frames a group remembers its exceptions were thrown at (by their hashes: 4 bytes
	 * each); a frame past them is not logged.
	 */
	static final int MAX_FRAMES = 32;

	private final int maxGroups;

	private final LinkedHashMap<Key, Group> confirmed = new LinkedHashMap<>();

	/**
	 * Latest group of each place regardless of creation site, for leaks whose trace was
	 * not sampled.
	 */
	private final Map<Key, Key> bySitelessKey = new HashMap<>();

	private Map<Key, Group> suspected = new LinkedHashMap<>();

	private final Map<LeakKind, Long> totals = new EnumMap<>(LeakKind.class);

	private final Map<String, Map<LeakKind, Long>> executors = new TreeMap<>();

	private long evicted;

	/**
	 * Places of groups of leaks evicted by the cap, the latest ones (see
	 * {@link #MAX_REMEMBERED_PLACES}): a place that comes back starts a group again but
	 * is not new to the listeners, so that more places than the cap do not log the same
	 * place again and again; each with the frames its exceptions were thrown at, or
	 * {@code null}, so that a frame logged before is not logged again. Uncaught failures,
	 * logged each, are not remembered.
	 */
	private final Map<Key, int[]> evictedKeys = new LinkedHashMap<>();

	private final int maxRemembered;

	private long suspicionsCleared;

	private long jdkOwnFailures;

	LeakGroups(int maxGroups) {
		this.maxGroups = maxGroups;
		// Two keys per traced place: with its site, and without it for its leaks
		// without a trace.
		this.maxRemembered = 2 * (int) Math.min(MAX_REMEMBERED_PLACES, Math.max(1_024, 4L * maxGroups));
	}

	/**
	 * Add a confirmed leak to its group. A failure whose exception was thrown at a frame
	 * (its first frame outside the JDK and the frameworks) none of its group's was thrown
	 * at is new to the listeners as a new group is, so that two places of the code that
	 * lose the same exception type from the same task type without a trace (futures
	 * failed by hand, which the agent sees untraced) are each logged. The frames are read
	 * outside the lock, for every leak of a group's first {@link #FRAMES_READ_FIRST} and
	 * one in {@link #FRAMES_READ_ONE_IN} after them; never for a suspected failure, which
	 * the application may still hold, with the frames once read (about 50 bytes a frame).
	 */
	Added add(LeakReport report, LeakStatus status) {
		Added added = addToGroup(report, status);
		if (added.framesWanted() == null) {
			return added;
		}
		int thrownAt = thrownAt(report.exception());
		// One thread confirms leaks (the detector's), so a group's first leak notes its
		// frame before the group's next: else a frame the next noted first would be taken
		// for the group's own, not logged.
		synchronized (this) {
			boolean newFrame = added.framesWanted().thrownAt(thrownAt) && !added.newGroup();
			return new Added(added.group(), added.newGroup() || newFrame, null);
		}
	}

	private synchronized Added addToGroup(LeakReport report, LeakStatus status) {
		Key key = resolve(Key.of(report), this.confirmed);
		adoptSitelessGroup(key);
		if (this.suspected.containsKey(key) || this.suspected.containsKey(key.withoutSite())) {
			// Confirmed now: the suspicion of the latest sweep must not outlive it, even
			// if this group is evicted.
			Map<Key, Group> suspected = new LinkedHashMap<>(this.suspected);
			suspected.remove(key);
			suspected.remove(key.withoutSite());
			this.suspected = suspected;
		}
		Group group = this.confirmed.get(key);
		boolean created = group == null;
		if (created) {
			group = new Group(key, report.time());
			this.confirmed.put(key, group);
			this.bySitelessKey.put(key.withoutSite(), key);
			// Back after its group was evicted: logged before, so not new, nor the frames
			// it was logged with.
			created = !this.evictedKeys.containsKey(key);
			group.seed(this.evictedKeys.remove(key));
			evictOverCap();
		}
		group.add(report);
		if (report.kind() != LeakKind.UNCAUGHT) {
			this.totals.merge(report.kind(), 1L, Long::sum);
			this.executors.computeIfAbsent(report.executor(), (name) -> new EnumMap<>(LeakKind.class))
				.merge(report.kind(), 1L, Long::sum);
		}
		boolean readFrames = report.exception() != null && report.kind() != LeakKind.UNCAUGHT
				&& (group.count <= FRAMES_READ_FIRST || ThreadLocalRandom.current().nextInt(FRAMES_READ_ONE_IN) == 0);
		return new Added(group.toLeakGroup(status), created, readFrames ? group : null);
	}

	/**
	 * The hash of the frame the exception was thrown at, chosen as a creation trace's
	 * origin is (its first frame outside the JDK and the frameworks, else its first),
	 * without its class loader, module and version; {@code 0} for an exception without
	 * frames or whose frames cannot be read.
	 */
	private static int thrownAt(Throwable exception) {
		StackTraceElement frame = CreationTrace.origin(Arrays.asList(Exceptions.stackTrace(exception)));
		if (frame == null) {
			return 0;
		}
		return 31 * (31 * frame.getClassName().hashCode() + Objects.hashCode(frame.getMethodName()))
				+ frame.getLineNumber();
	}

	synchronized void replaceSuspected(List<LeakReport> reports) {
		Map<Key, Group> suspected = new LinkedHashMap<>();
		for (LeakReport report : reports) {
			Key key = resolve(Key.of(report), this.confirmed);
			if (this.confirmed.containsKey(key)) {
				continue;
			}
			Group group = suspected.get(key);
			if (group == null) {
				if (suspected.size() >= this.maxGroups) {
					continue;
				}
				group = new Group(key, report.time());
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
			if (!this.confirmed.containsKey(key)) {
				groups.add(group.toLeakGroup(LeakStatus.SUSPECTED));
			}
		});
		return groups;
	}

	synchronized void clear() {
		this.confirmed.clear();
		this.bySitelessKey.clear();
		this.suspected.clear();
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
			group.seed(this.evictedKeys.remove(key));
			this.bySitelessKey.put(siteless, key);
		}
	}

	private void evictOverCap() {
		Iterator<Group> oldest = this.confirmed.values().iterator();
		while (this.confirmed.size() > this.maxGroups && oldest.hasNext()) {
			Group evicted = oldest.next();
			Key evictedKey = evicted.key;
			oldest.remove();
			this.bySitelessKey.remove(evictedKey.withoutSite(), evictedKey);
			this.evicted++;
			if (evictedKey.kind() == LeakKind.UNCAUGHT) {
				continue;
			}
			int[] frames = evicted.frames();
			remember(evictedKey, frames);
			if (!evictedKey.site().isEmpty()) {
				// Its leaks without a trace, which would join it, start a group of the
				// place without a site.
				remember(evictedKey.withoutSite(), frames);
			}
		}
	}

	private void remember(Key evictedKey, int[] frames) {
		this.evictedKeys.remove(evictedKey);
		this.evictedKeys.put(evictedKey, frames);
		if (this.evictedKeys.size() > this.maxRemembered) {
			Iterator<Key> eldest = this.evictedKeys.keySet().iterator();
			eldest.next();
			eldest.remove();
		}
	}

	/**
	 * What {@link #add} did.
	 *
	 * @param group the leak's group
	 * @param newGroup whether the leak is new to the listeners
	 * @param framesWanted the group, if the leak's frames are to be read, or {@code null}
	 */
	record Added(LeakGroup group, boolean newGroup, Group framesWanted) {
	}

	private record Key(LeakKind kind, String executor, String task, String site, String exceptionType) {

		static Key of(LeakReport report) {
			StackTraceElement site = (report.creationTrace() != null) ? report.creationTrace().origin() : null;
			return new Key(report.kind(), report.executor(), report.task(), (site != null) ? site.toString() : "",
					report.exceptionType());
		}

		Key withoutSite() {
			return new Key(this.kind, this.executor, this.task, "", this.exceptionType);
		}

		String id() {
			// FNV-1a over the key: the same place always gets the same id, suspected or
			// confirmed.
			long hash = 0xcbf29ce484222325L;
			for (byte b : toString().getBytes(StandardCharsets.UTF_8)) {
				hash ^= b;
				hash *= 0x100000001b3L;
			}
			return String.format("%016x", hash);
		}

	}

	private static final class Group {

		private Key key;

		private final String id;

		private final Instant firstSeen;

		private Instant lastSeen;

		private long count;

		private LeakReport latest;

		private CreationTrace creationTrace;

		/**
		 * Hashes of the frames its exceptions were thrown at, the first
		 * {@link LeakGroups#MAX_FRAMES}, in {@code frames[0, frameCount)}.
		 */
		private int[] frames;

		private int frameCount;

		Group(Key key, Instant firstSeen) {
			this.key = key;
			this.id = key.id();
			this.firstSeen = firstSeen;
		}

		/**
		 * Note a frame one of its exceptions was thrown at.
		 * @param frame the frame's hash
		 * @return whether the group had frames, but not this one
		 */
		boolean thrownAt(int frame) {
			for (int i = 0; i < this.frameCount; i++) {
				if (this.frames[i] == frame) {
					return false;
				}
			}
			if (this.frameCount >= MAX_FRAMES) {
				return false;
			}
			boolean had = this.frameCount > 0;
			if (this.frames == null) {
				this.frames = new int[4];
			}
			else if (this.frameCount == this.frames.length) {
				this.frames = Arrays.copyOf(this.frames, Math.min(MAX_FRAMES, 2 * this.frames.length));
			}
			this.frames[this.frameCount++] = frame;
			return had;
		}

		/**
		 * Take the frames its place was logged with before it was evicted.
		 * @param remembered their hashes, or {@code null}
		 */
		void seed(int[] remembered) {
			if (remembered != null) {
				for (int frame : remembered) {
					thrownAt(frame);
				}
			}
		}

		/**
		 * Return the hashes of the frames its exceptions were thrown at, or {@code null}.
		 */
		int[] frames() {
			return (this.frameCount > 0) ? Arrays.copyOf(this.frames, this.frameCount) : null;
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
