/**
 * Resources created under an idempotency key (bank transfers, payouts) with the fingerprint of the request that
 * created each, so a retry can be told from a different request reusing the key. In memory, synchronous.
 */
export class IdempotentRecords<T extends { id: string; idempotencyKey: string }> {
  private readonly byId = new Map<string, T>();
  private readonly byKey = new Map<string, { fingerprint: string; id: string }>();

  /** What an earlier request under `key` created, with that request's fingerprint. */
  previous(key: string): { fingerprint: string; record: T } | undefined {
    const entry = this.byKey.get(key);
    const record = entry && this.byId.get(entry.id);
    return entry && record ? { fingerprint: entry.fingerprint, record } : undefined;
  }

  add(record: T, fingerprint: string): void {
    this.byId.set(record.id, record);
    this.byKey.set(record.idempotencyKey, { fingerprint, id: record.id });
  }

  get(id: string): T | undefined {
    return this.byId.get(id);
  }

  /** Newest first. */
  newestFirst(): T[] {
    return [...this.byId.values()].reverse();
  }
}
