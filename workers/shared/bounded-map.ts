/**
 * Sets `key` in `map` as its newest entry, then drops the oldest entries past `max`: a Map
 * iterates in insertion order, so an isolate's memo stays bounded without an LRU library.
 */
export function setNewest<K, V>(map: Map<K, V>, key: K, value: V, max: number): void {
  map.delete(key);
  map.set(key, value);
  for (const oldest of map.keys()) {
    if (map.size <= max) break;
    map.delete(oldest);
  }
}
