/**
 * An append whose event ids collide with events already stored, in a way that is not a plain retry:
 * the batch mixes ids that are already in the stream with new ones, or an id is already used by an
 * event of another stream. Nothing was appended. (A batch whose ids are *all* already in the stream is
 * an idempotent retry and succeeds without writing.)
 *
 * Not a WrongExpectedVersionError on purpose: re-reading the stream and retrying cannot fix it; the
 * caller derived its event ids wrongly.
 */
export class EventIdConflictError extends Error {
  override readonly name = 'EventIdConflictError';
  constructor(
    readonly streamId: string,
    readonly eventIds: readonly string[],
    detail: string,
  ) {
    super(`Event id conflict appending to ${streamId}: ${detail}`);
  }
}
