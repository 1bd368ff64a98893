/**
 * An immutable map from strings whose `with(key, value)` copies only the path to the key (a 32-way hash trie), not the
 * whole map. Aggregate states keep per-movement maps (an account's holds and credits); with a plain `new Map(old)` per
 * event, folding a stream of n movements cost O(n²) and every command on a busy account O(n). Reads are `get`/`has`
 * and iteration (in hash order, not insertion order).
 */
const BITS = 5;
const WIDTH = 1 << BITS;
const MASK = WIDTH - 1;
/** Below this many entries a leaf is not split (and at full depth it never is: hash collisions stay together). */
const LEAF_MAX = 16;
const MAX_SHIFT = 30;

type Entry<V> = readonly [key: string, value: V, hash: number];
type Node<V> = { readonly leaf: readonly Entry<V>[] } | { readonly children: readonly (Node<V> | undefined)[] };

/** FNV-1a, 32 bits. */
function hashOf(key: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < key.length; i++) {
    hash ^= key.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return hash >>> 0;
}

function insert<V>(node: Node<V> | undefined, entry: Entry<V>, shift: number): { node: Node<V>; added: boolean } {
  if (node === undefined) return { node: { leaf: [entry] }, added: true };
  if ('leaf' in node) {
    const at = node.leaf.findIndex(([key]) => key === entry[0]);
    if (at >= 0) {
      const leaf = node.leaf.slice();
      leaf[at] = entry;
      return { node: { leaf }, added: false };
    }
    const leaf = [...node.leaf, entry];
    if (leaf.length <= LEAF_MAX || shift > MAX_SHIFT) return { node: { leaf }, added: true };
    let split: Node<V> = { children: new Array<Node<V> | undefined>(WIDTH).fill(undefined) };
    for (const e of leaf) split = insert(split, e, shift).node;
    return { node: split, added: true };
  }
  const index = (entry[2] >>> shift) & MASK;
  const below = insert(node.children[index], entry, shift + BITS);
  const children = node.children.slice();
  children[index] = below.node;
  return { node: { children }, added: below.added };
}

function* walk<V>(node: Node<V> | undefined): Generator<Entry<V>> {
  if (node === undefined) return;
  if ('leaf' in node) {
    yield* node.leaf;
    return;
  }
  for (const child of node.children) yield* walk(child);
}

export class PersistentMap<V> implements ReadonlyMap<string, V> {
  private static readonly EMPTY = new PersistentMap<never>(undefined, 0);

  private constructor(
    private readonly root: Node<V> | undefined,
    readonly size: number,
  ) {}

  static empty<V>(): PersistentMap<V> {
    return PersistentMap.EMPTY as PersistentMap<V>;
  }

  static of<V>(entries: Iterable<readonly [string, V]>): PersistentMap<V> {
    let map = PersistentMap.empty<V>();
    for (const [key, value] of entries) map = map.with(key, value);
    return map;
  }

  /** A new map with `key` set to `value`; this one is unchanged. */
  with(key: string, value: V): PersistentMap<V> {
    const { node, added } = insert(this.root, [key, value, hashOf(key)], 0);
    return new PersistentMap(node, added ? this.size + 1 : this.size);
  }

  get(key: string): V | undefined {
    const hash = hashOf(key);
    let node = this.root;
    for (let shift = 0; node !== undefined; shift += BITS) {
      if ('leaf' in node) return node.leaf.find(([k]) => k === key)?.[1];
      node = node.children[(hash >>> shift) & MASK];
    }
    return undefined;
  }

  has(key: string): boolean {
    const hash = hashOf(key);
    let node = this.root;
    for (let shift = 0; node !== undefined; shift += BITS) {
      if ('leaf' in node) return node.leaf.some(([k]) => k === key);
      node = node.children[(hash >>> shift) & MASK];
    }
    return false;
  }

  *entries(): MapIterator<[string, V]> {
    for (const [key, value] of walk(this.root)) yield [key, value];
  }

  *keys(): MapIterator<string> {
    for (const [key] of walk(this.root)) yield key;
  }

  *values(): MapIterator<V> {
    for (const [, value] of walk(this.root)) yield value;
  }

  [Symbol.iterator](): MapIterator<[string, V]> {
    return this.entries();
  }

  forEach(callback: (value: V, key: string, map: ReadonlyMap<string, V>) => void, thisArg?: unknown): void {
    for (const [key, value] of walk(this.root)) callback.call(thisArg, value, key, this);
  }
}
