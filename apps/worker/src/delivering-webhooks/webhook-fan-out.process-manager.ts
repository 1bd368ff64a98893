import { Inject, Injectable, Logger } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { TransferEvent, transferDecider } from '@payments/domain';
import { EVENT_STORE, EventStore, RecordedEvent } from '@payments/event-store';
import { CATALOG, envelope, PublicEvent, toPublicEvent, TRANSFER_ACTIVITY_TYPES } from '@payments/messaging';
import { OutboundWebhookStore, PG_POOL } from '@payments/read-models';
import { transferActivityView } from '../../../api/src/transfers/get-transfer/get-transfer.controller';
import { CheckpointedProcessManager } from '../submitting-ach-pulls/process-manager-checkpoints';

export const WEBHOOK_FAN_OUT_CHECKPOINT = 'outbound-webhook-fan-out';

/**
 * Fan-out of outbound webhooks: follows the event store from its own checkpoint and turns each public event into one
 * delivery row per enabled endpoint subscribed to its type (idempotent: UNIQUE(endpoint, event)). Endpoints see events
 * recorded after they registered and after the fan-out reached them; the delivery loop sends the rows.
 */
@Injectable()
export class WebhookFanOutProcessManager extends CheckpointedProcessManager {
  private readonly webhooks: OutboundWebhookStore;

  constructor(
    @Inject(EVENT_STORE) private readonly store: EventStore,
    @Inject(PG_POOL) pool: Pool,
  ) {
    const webhooks = new OutboundWebhookStore(pool);
    super(new Logger('OutboundWebhookFanOut'), {
      name: WEBHOOK_FAN_OUT_CHECKPOINT,
      store,
      pool,
      filter: { eventTypes: [...new Set([...CATALOG.map((entry) => entry.internalType), ...Object.keys(TRANSFER_ACTIVITY_TYPES)])] },
      retryDelayMs: 1000,
      migrate: () => webhooks.migrate(),
    });
    this.webhooks = webhooks;
  }

  async handle(recorded: RecordedEvent): Promise<void> {
    const event = await this.publicEvent(recorded);
    if (!event) return;
    const endpoints = await this.webhooks.subscribers(event.type);
    if (endpoints.length === 0) return;
    // The body every endpoint gets, signed byte for byte: the CloudEvents envelope without the internal log position.
    const { position: _position, ...body } = event;
    const text = JSON.stringify(body);
    const now = new Date();
    for (const endpoint of endpoints) {
      await this.webhooks.enqueue({
        deliveryId: randomUUID(),
        endpointId: endpoint.endpoint_id,
        eventId: event.id,
        eventType: event.type,
        body: text,
        now,
        traceparent: recorded.metadata.traceparent,
      });
    }
  }

  /**
   * For a transfer step, the seed's activity shape as of that event (the seed's "Outgoing ACH Transfer" webhook is the
   * activity, not the step): same public type as on Kafka, its own `dataschema` (`activity.ach_push`). Anything else:
   * the catalog's public event.
   */
  private async publicEvent(recorded: RecordedEvent): Promise<PublicEvent | null> {
    const publicType = TRANSFER_ACTIVITY_TYPES[recorded.type];
    if (!publicType) return toPublicEvent(recorded);
    const history = await this.store.readStream(recorded.streamId, { toRevision: recorded.revision });
    const state = history.reduce((s, e) => transferDecider.evolve(s, e as unknown as TransferEvent), transferDecider.initialState());
    if (state.status === 'NONE' || !state.initiated) return null;
    const activity = transferActivityView(state);
    return { ...envelope({ internalType: recorded.type, publicType, version: 1, data: () => activity }, recorded), dataschema: 'urn:payments:schema:activity.ach_push:1' };
  }
}
