import { Controller, Get, Inject, Query } from '@nestjs/common';
import { ApiOperation, ApiQuery, ApiTags } from '@nestjs/swagger';
import { EVENT_STORE, EventStore } from '@payments/event-store';
import { parseSyncCount, SyncPage, syncPublicEvents } from '@payments/messaging';

/**
 * The HTTP cursor over the public event stream, for downstream consumers without Kafka. Not per user: it serves the
 * service's own downstream ledgers, like `payments.events`, so any API key may read it and `X-User-Id` is not used.
 */
@ApiTags('events')
@Controller('events')
export class SyncEventsController {
  constructor(@Inject(EVENT_STORE) private readonly store: EventStore) {}

  @Get('sync')
  @ApiOperation({
    summary: 'Public events of all aggregates after a cursor (CloudEvents envelopes, the same as Kafka payments.events).',
    description:
      'Returns {events, next_cursor, has_more}. Start without after_id; pass next_cursor as after_id to go on. The cursor is opaque and stable ' +
      '(a position in the log): it stays valid as events are appended. count 1-500, default 100. A bad cursor is 400 ErrorInvalidField (after_id).',
  })
  @ApiQuery({ name: 'after_id', required: false, type: String })
  @ApiQuery({ name: 'count', required: false, type: Number })
  async sync(@Query('after_id') afterId?: unknown, @Query('count') count?: unknown): Promise<SyncPage> {
    return syncPublicEvents(this.store, afterId, parseSyncCount(count));
  }
}
