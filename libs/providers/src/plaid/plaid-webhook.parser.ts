/**
 * Typed envelope of the Plaid webhooks we consume, parsed after verification. The receiver uses
 * `plaidWebhookKafkaKey` to key the `provider.webhooks` topic so one resource's webhooks stay ordered.
 */

/** Plaid's error object as carried in webhooks. */
export interface PlaidWebhookError {
  error_type: string;
  error_code: string;
  error_message: string;
  display_message: string | null;
}

export interface LinkSessionFinishedWebhook {
  kind: 'LINK.SESSION_FINISHED';
  webhookType: 'LINK';
  webhookCode: 'SESSION_FINISHED';
  /** `SUCCESS` (public tokens present) or `EXITED`. */
  status: 'SUCCESS' | 'EXITED';
  linkSessionId: string;
  linkToken: string;
  publicTokens: string[];
  environment: string;
  /**
   * Why an EXITED session failed. Not part of Plaid's documented SESSION_FINISHED fields: our
   * provider-sandbox adds it (Plaid's `error` object shape); real Plaid leaves it absent -> null.
   */
  error: PlaidWebhookError | null;
  body: Record<string, unknown>;
}

export interface BankTransfersEventsUpdateWebhook {
  kind: 'BANK_TRANSFERS.BANK_TRANSFERS_EVENTS_UPDATE';
  webhookType: 'BANK_TRANSFERS';
  webhookCode: 'BANK_TRANSFERS_EVENTS_UPDATE';
  body: Record<string, unknown>;
}

/**
 * The provider's payment rails (SEPA, FPS, NGN payouts) recorded new payout events. Like BANK_TRANSFERS_EVENTS_UPDATE
 * it carries no data: the consumer calls /payment_rails/event/sync from its cursor.
 */
export interface PayoutEventsUpdateWebhook {
  kind: 'PAYMENT_RAILS.PAYOUT_EVENTS_UPDATE';
  webhookType: 'PAYMENT_RAILS';
  webhookCode: 'PAYOUT_EVENTS_UPDATE';
  body: Record<string, unknown>;
}

/** Any other webhook: kept so the receiver can still publish it (or drop it) deliberately. */
export interface OtherPlaidWebhook {
  kind: 'OTHER';
  webhookType: string;
  webhookCode: string;
  itemId: string | null;
  body: Record<string, unknown>;
}

export type PlaidWebhook = LinkSessionFinishedWebhook | BankTransfersEventsUpdateWebhook | PayoutEventsUpdateWebhook | OtherPlaidWebhook;

export class PlaidWebhookParseError extends Error {
  override readonly name = 'PlaidWebhookParseError';
}

/**
 * BANK_TRANSFERS_EVENTS_UPDATE carries no data; the translator syncs from its one global `after_id`
 * cursor, so all of them share one key (one partition, in order).
 */
export const BANK_TRANSFERS_KAFKA_KEY = 'plaid:bank_transfers';

/** PAYOUT_EVENTS_UPDATE: one global payout event cursor as well, so one key (one partition, in order). */
export const PAYMENT_RAILS_KAFKA_KEY = 'plaid:payment_rails';

const str = (body: Record<string, unknown>, field: string): string => {
  const value = body[field];
  if (typeof value !== 'string' || value.length === 0) {
    throw new PlaidWebhookParseError(`webhook field ${field} must be a non-empty string`);
  }
  return value;
};

function parseError(value: unknown): PlaidWebhookError | null {
  if (value === null || value === undefined) return null;
  if (typeof value !== 'object' || Array.isArray(value)) throw new PlaidWebhookParseError('webhook field error must be an object');
  const e = value as Record<string, unknown>;
  return {
    error_type: str(e, 'error_type'),
    error_code: str(e, 'error_code'),
    error_message: typeof e['error_message'] === 'string' ? e['error_message'] : '',
    display_message: typeof e['display_message'] === 'string' ? e['display_message'] : null,
  };
}

/** Parses a raw webhook body (bytes, string or already-parsed JSON). Throws PlaidWebhookParseError. */
export function parsePlaidWebhook(input: Buffer | string | unknown): PlaidWebhook {
  let parsed: unknown = input;
  if (Buffer.isBuffer(input) || typeof input === 'string') {
    try {
      parsed = JSON.parse(input.toString());
    } catch {
      throw new PlaidWebhookParseError('webhook body is not JSON');
    }
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) {
    throw new PlaidWebhookParseError('webhook body must be a JSON object');
  }
  const body = parsed as Record<string, unknown>;
  const webhookType = str(body, 'webhook_type');
  const webhookCode = str(body, 'webhook_code');

  if (webhookType === 'LINK' && webhookCode === 'SESSION_FINISHED') {
    const status = str(body, 'status');
    if (status !== 'SUCCESS' && status !== 'EXITED') {
      throw new PlaidWebhookParseError(`LINK SESSION_FINISHED status must be SUCCESS or EXITED, got ${status}`);
    }
    const tokens = body['public_tokens'] ?? (typeof body['public_token'] === 'string' ? [body['public_token']] : []);
    if (!Array.isArray(tokens) || tokens.some((t) => typeof t !== 'string')) {
      throw new PlaidWebhookParseError('webhook field public_tokens must be an array of strings');
    }
    return {
      kind: 'LINK.SESSION_FINISHED',
      webhookType,
      webhookCode,
      status,
      linkSessionId: str(body, 'link_session_id'),
      linkToken: str(body, 'link_token'),
      publicTokens: tokens as string[],
      environment: typeof body['environment'] === 'string' ? body['environment'] : 'unknown',
      error: parseError(body['error']),
      body,
    };
  }
  if (webhookType === 'BANK_TRANSFERS' && webhookCode === 'BANK_TRANSFERS_EVENTS_UPDATE') {
    return { kind: 'BANK_TRANSFERS.BANK_TRANSFERS_EVENTS_UPDATE', webhookType, webhookCode, body };
  }
  if (webhookType === 'PAYMENT_RAILS' && webhookCode === 'PAYOUT_EVENTS_UPDATE') {
    return { kind: 'PAYMENT_RAILS.PAYOUT_EVENTS_UPDATE', webhookType, webhookCode, body };
  }
  const itemId = typeof body['item_id'] === 'string' ? body['item_id'] : null;
  return { kind: 'OTHER', webhookType, webhookCode, itemId, body };
}

/** The Kafka message key for a webhook: the provider resource it is about. */
export function plaidWebhookKafkaKey(webhook: PlaidWebhook): string {
  switch (webhook.kind) {
    case 'LINK.SESSION_FINISHED':
      return webhook.linkToken;
    case 'BANK_TRANSFERS.BANK_TRANSFERS_EVENTS_UPDATE':
      return BANK_TRANSFERS_KAFKA_KEY;
    case 'PAYMENT_RAILS.PAYOUT_EVENTS_UPDATE':
      return PAYMENT_RAILS_KAFKA_KEY;
    case 'OTHER':
      return webhook.itemId ?? `plaid:${webhook.webhookType}:${webhook.webhookCode}`;
    default: {
      const _never: never = webhook;
      return _never;
    }
  }
}
