import { Module } from '@nestjs/common';
import { SyncEventsController } from './sync-events/sync-events.controller';

/** The public event stream over HTTP (`GET /events/sync`); Kafka `payments.events` carries the same events. */
@Module({ controllers: [SyncEventsController] })
export class EventsModule {}
