package io.github.leakedtasks.tracking;

import java.lang.ref.ReferenceQueue;
import java.lang.ref.WeakReference;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Predicate;

/**
 * Concurrent map whose keys are compared by identity and held weakly, so that an entry
 * neither keeps its key alive nor depends on the key's {@code equals}.
 *
 * @param <V> the type of the values
 * @since 0.1.0
 */
final class WeakIdentityMap<V> {

	/**
	 * The keys of every map whose referent was collected: emptied when a map adds an
	 * entry, and by the detector's sweep ({@link #expungeAll}), so that the value of a
	 * collected key (a failure and its exception, say) is not kept until the next entry
	 * is added, which may be never.
	 */
	private static final ReferenceQueue<Object> COLLECTED = new ReferenceQueue<>();

	private final ConcurrentHashMap<Key, V> entries = new ConcurrentHashMap<>();

	V get(Object key) {
		return this.entries.get(new Key(key, null));
	}

	/**
	 * Add an entry unless the key has one.
	 * @return the value the key had, or {@code null} if this call added it
	 */
	V putIfAbsent(Object key, V value) {
		expungeAll();
		return this.entries.putIfAbsent(new Key(key, this.entries), value);
	}

	/**
	 * Add an entry, or replace the value of the key's.
	 * @return the value the key had, or {@code null}
	 */
	V put(Object key, V value) {
		expungeAll();
		return this.entries.put(new Key(key, this.entries), value);
	}

	V remove(Object key) {
		return this.entries.remove(new Key(key, null));
	}

	/**
	 * Replace the value of a key's entry only if it is the expected one.
	 * @return whether it was replaced
	 */
	boolean replace(Object key, V expected, V value) {
		return this.entries.replace(new Key(key, null), expected, value);
	}

	int size() {
		expungeAll();
		return this.entries.size();
	}

	/**
	 * Remove the entries whose value matches.
	 */
	void removeValues(Predicate<V> matching) {
		expungeAll();
		this.entries.values().removeIf(matching);
	}

	void clear() {
		this.entries.clear();
	}

	/**
	 * Remove the entries of every map whose key was collected.
	 */
	static void expungeAll() {
		Object stale;
		while ((stale = COLLECTED.poll()) != null) {
			Key key = (Key) stale;
			key.map.remove(key);
		}
	}

	private static final class Key extends WeakReference<Object> {

		private final int hash;

		/** The entries of the map this key is in, or {@code null} for a look-up key. */
		private final ConcurrentHashMap<Key, ?> map;

		Key(Object referent, ConcurrentHashMap<Key, ?> map) {
			super(referent, (map != null) ? COLLECTED : null);
			this.hash = System.identityHashCode(referent);
			this.map = map;
		}

		@Override
		public int hashCode() {
			return this.hash;
		}

		@Override
		public boolean equals(Object other) {
			if (this == other) {
				return true;
			}
			if (!(other instanceof Key key)) {
				return false;
			}
			Object referent = get();
			return referent != null && referent == key.get();
		}

	}

}
