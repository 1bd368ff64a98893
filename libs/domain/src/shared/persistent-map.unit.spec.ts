import { PersistentMap } from './persistent-map';

describe('PersistentMap', () => {
  it('behaves like a Map for 5,000 keys, and every earlier version stays as it was', () => {
    const reference = new Map<string, number>();
    const versions: [PersistentMap<number>, Map<string, number>][] = [];
    let map = PersistentMap.empty<number>();
    for (let i = 0; i < 5000; i++) {
      const key = `movement-${(i * 7919) % 3000}`; // repeats overwrite
      map = map.with(key, i);
      reference.set(key, i);
      if (i % 997 === 0) versions.push([map, new Map(reference)]);
    }
    expect(map.size).toBe(reference.size);
    for (const [key, value] of reference) expect(map.get(key)).toBe(value);
    expect(map.get('absent')).toBeUndefined();
    expect(map.has('movement-1')).toBe(true);
    expect(map.has('absent')).toBe(false);
    expect(new Map(map)).toEqual(reference);
    expect([...map.values()].sort()).toEqual([...reference.values()].sort());
    for (const [old, expected] of versions) {
      expect(old.size).toBe(expected.size);
      expect(new Map(old.entries())).toEqual(expected);
    }
  });
});
