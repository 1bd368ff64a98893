/**
 * An append-only event feed with Plaid's `/event/sync` cursor semantics: event ids are integers from 1, strictly
 * increasing, never reused while the sandbox runs; `after(afterId, count)` returns the next events oldest first.
 * In memory only. Synchronous, so an id and the append that uses it cannot interleave with another request.
 */
export class EventFeed<E extends { eventId: number }> {
  private readonly events: E[] = [];

  /** Appends the event built for the next id and returns it. */
  append(build: (eventId: number) => E): E {
    const event = build(this.events.length + 1);
    this.events.push(event);
    return event;
  }

  /** Up to `count` events with event_id > afterId, oldest first (ids are 1..n, so event n sits at index n - 1). */
  after(afterId: number, count: number): E[] {
    return this.events.slice(afterId, afterId + count);
  }

  /** Newest first. */
  newestFirst(): E[] {
    return [...this.events].reverse();
  }
}
