import { Body, Controller, Delete, Get, HttpCode, Inject, Param, Post, Query } from '@nestjs/common';
import { ApiOperation, ApiTags } from '@nestjs/swagger';
import { randomUUID } from 'node:crypto';
import { Pool } from 'pg';
import { AppConfig, InjectConfig } from '@payments/config';
import { Clock, DomainError } from '@payments/domain';
import { CLOCK } from '@payments/event-store';
import { generateWebhookSecret } from '@payments/messaging';
import { OutboundWebhookStore, PG_POOL, WebhookAttemptRow, WebhookDeliveryRow, WebhookEndpointRow } from '@payments/read-models';
import { FieldCipher } from '@payments/security';
import { FIELD_CIPHER } from '@payments/providers/nest/provider-tokens';
import { Principal } from '../platform';
import { CreateWebhookEndpointRequest, DeliveriesQuery, DeliveryIdParam, EndpointIdParam, RedeliverFailedRequest } from './webhook-endpoints.dto';

const LOCAL_HOSTS = new Set(['localhost', '127.0.0.1', '[::1]']);

/** The seal context of an endpoint's secret (FIELD_CIPHER associated data). */
export const endpointSecretContext = (endpointId: string) => `webhook-endpoint:${endpointId}:secret`;

/** http(s) only, no credentials in the URL; in production plain http only to localhost (a local relay or tunnel). */
export function checkEndpointUrl(raw: string, production: boolean): string {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    throw DomainError.invalidField('url', 'format', 'url must be an absolute http(s) URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw DomainError.invalidField('url', 'scheme', 'url must use https (or http)');
  if (url.username || url.password) throw DomainError.invalidField('url', 'credentials', 'url must not contain a user name or password');
  if (production && url.protocol === 'http:' && !LOCAL_HOSTS.has(url.hostname)) {
    throw DomainError.invalidField('url', 'https_required', 'url must use https in production (http only for localhost)');
  }
  return url.toString();
}

const endpointView = (row: WebhookEndpointRow) => ({
  id: row.endpoint_id,
  url: row.url,
  event_types: row.event_types,
  description: row.description,
  status: row.enabled ? 'ENABLED' : 'DISABLED',
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString(),
});

const iso = (date: Date | null) => (date ? date.toISOString() : null);

const deliveryView = (row: WebhookDeliveryRow, attempts: WebhookAttemptRow[]) => ({
  id: row.delivery_id,
  event_id: row.event_id,
  event_type: row.event_type,
  status: row.status,
  attempts: row.attempts,
  next_attempt_at: row.status === 'pending' ? iso(row.next_attempt_at) : null,
  last_attempt_at: iso(row.last_attempt_at),
  delivered_at: iso(row.delivered_at),
  created_at: row.created_at.toISOString(),
  attempt_log: attempts.map((a) => ({
    attempt: a.attempt_number,
    attempted_at: a.attempted_at.toISOString(),
    duration_ms: a.duration_ms,
    status_code: a.status_code,
    error: a.error,
    outcome: a.outcome,
    next_attempt_at: iso(a.next_attempt_at),
  })),
});

/**
 * Outbound webhook endpoints of the calling product app (issue 6): an endpoint belongs to the API key that registered
 * it; another key's endpoint is 404. The worker fans public events out to them and delivers them signed.
 */
@ApiTags('webhook-endpoints')
@Controller('webhook-endpoints')
export class WebhookEndpointsController {
  private readonly store: OutboundWebhookStore;
  private migrated?: Promise<void>;

  constructor(
    @Inject(PG_POOL) pool: Pool,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
    @Inject(CLOCK) private readonly clock: Clock,
    @InjectConfig() private readonly config: AppConfig,
  ) {
    this.store = new OutboundWebhookStore(pool);
  }

  private ready(): Promise<OutboundWebhookStore> {
    this.migrated ??= this.store.migrate().catch((error: unknown) => {
      this.migrated = undefined;
      throw error;
    });
    return this.migrated.then(() => this.store);
  }

  private async owned(principal: Principal, endpointId: string): Promise<WebhookEndpointRow> {
    const endpoint = await (await this.ready()).endpoint(endpointId.toLowerCase(), principal.apiKeyId);
    if (!endpoint) throw DomainError.notFound('webhook endpoint', 'endpoint_id');
    return endpoint;
  }

  @Post()
  @HttpCode(201)
  @ApiOperation({ summary: 'Register an endpoint: url, event_types (or ["*"]), optional secret (else generated). The secret is returned only here.' })
  async create(@Principal() principal: Principal, @Body() body: CreateWebhookEndpointRequest) {
    const url = checkEndpointUrl(body.url, this.config.nodeEnv === 'production');
    const store = await this.ready();
    const endpointId = randomUUID();
    const secret = body.secret ?? generateWebhookSecret();
    const eventTypes = body.event_types.includes('*') ? ['*'] : [...new Set(body.event_types)].sort();
    const row = await store.createEndpoint({
      endpoint_id: endpointId,
      api_key_id: principal.apiKeyId,
      url,
      secret_encrypted: this.cipher.encrypt(secret, endpointSecretContext(endpointId)),
      event_types: eventTypes,
      description: body.description ?? null,
      enabled: true,
      created_at: this.clock.now(),
    });
    return { ...endpointView(row), secret };
  }

  @Get()
  @ApiOperation({ summary: "The calling app's endpoints (secrets are never returned)." })
  async list(@Principal() principal: Principal) {
    return { endpoints: (await (await this.ready()).endpoints(principal.apiKeyId)).map(endpointView) };
  }

  @Get(':endpoint_id')
  async get(@Principal() principal: Principal, @Param() params: EndpointIdParam) {
    return endpointView(await this.owned(principal, params.endpoint_id));
  }

  @Delete(':endpoint_id')
  @ApiOperation({ summary: 'Remove the endpoint: nothing more is sent to it (its delivery log stays).' })
  async remove(@Principal() principal: Principal, @Param() params: EndpointIdParam) {
    const endpoint = await this.owned(principal, params.endpoint_id);
    await this.store.deleteEndpoint(endpoint.endpoint_id, principal.apiKeyId, this.clock.now());
    return { id: endpoint.endpoint_id, status: 'DELETED' };
  }

  @Post(':endpoint_id/disable')
  @HttpCode(200)
  @ApiOperation({ summary: 'Stop creating and sending deliveries for the endpoint (pending ones wait until it is enabled).' })
  async disable(@Principal() principal: Principal, @Param() params: EndpointIdParam) {
    const endpoint = await this.owned(principal, params.endpoint_id);
    return endpointView((await this.store.setEnabled(endpoint.endpoint_id, principal.apiKeyId, false, this.clock.now()))!);
  }

  @Post(':endpoint_id/enable')
  @HttpCode(200)
  async enable(@Principal() principal: Principal, @Param() params: EndpointIdParam) {
    const endpoint = await this.owned(principal, params.endpoint_id);
    return endpointView((await this.store.setEnabled(endpoint.endpoint_id, principal.apiKeyId, true, this.clock.now()))!);
  }

  @Get(':endpoint_id/deliveries')
  @ApiOperation({ summary: 'Deliveries of the endpoint, newest first, each with its attempt log (time, status code or error, duration, next attempt).' })
  async deliveries(@Principal() principal: Principal, @Param() params: EndpointIdParam, @Query() query: DeliveriesQuery) {
    const endpoint = await this.owned(principal, params.endpoint_id);
    const rows = await this.store.deliveries(endpoint.endpoint_id, { status: query.status, limit: query.limit ?? 50, offset: query.offset ?? 0 });
    const attempts = await this.store.attempts(rows.map((r) => r.delivery_id));
    return { deliveries: rows.map((row) => deliveryView(row, attempts.filter((a) => a.delivery_id === row.delivery_id))) };
  }

  @Get(':endpoint_id/deliveries/:delivery_id')
  async delivery(@Principal() principal: Principal, @Param() params: DeliveryIdParam) {
    const endpoint = await this.owned(principal, params.endpoint_id);
    const row = await this.store.delivery(endpoint.endpoint_id, params.delivery_id.toLowerCase());
    if (!row) throw DomainError.notFound('webhook delivery', 'delivery_id');
    return deliveryView(row, await this.store.attempts([row.delivery_id]));
  }

  @Post(':endpoint_id/deliveries/:delivery_id/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send one delivery again now (whatever its status), with a fresh retry schedule.' })
  async redeliverOne(@Principal() principal: Principal, @Param() params: DeliveryIdParam) {
    const endpoint = await this.owned(principal, params.endpoint_id);
    const ids = await this.store.redeliver(endpoint.endpoint_id, this.clock.now(), { deliveryId: params.delivery_id.toLowerCase() });
    if (ids.length === 0) throw DomainError.notFound('webhook delivery', 'delivery_id');
    return { redelivered: ids };
  }

  @Post(':endpoint_id/redeliver')
  @HttpCode(202)
  @ApiOperation({ summary: 'Send every failed delivery of the endpoint created since `failed_since` again, with a fresh retry schedule.' })
  async redeliverFailed(@Principal() principal: Principal, @Param() params: EndpointIdParam, @Body() body: RedeliverFailedRequest) {
    const endpoint = await this.owned(principal, params.endpoint_id);
    return { redelivered: await this.store.redeliver(endpoint.endpoint_id, this.clock.now(), { failedSince: body.failed_since }) };
  }
}
