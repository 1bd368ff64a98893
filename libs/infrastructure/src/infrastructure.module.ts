import { DynamicModule, Global, Inject, Injectable, Logger, Module, OnApplicationShutdown } from '@nestjs/common';
import { Kafka } from 'kafkajs';
import { Pool } from 'pg';
import { AppConfig, ConfigModule } from '@payments/config';
import { Clock, FundingAssetRegistry, systemClock } from '@payments/domain';
import { EventStore, EventStoreModule } from '@payments/event-store';
import { PostgresEventStore } from '@payments/event-store/postgres/postgres-event-store';
import { EsdbEventStore } from '@payments/event-store/esdb/esdb-event-store';
import { createKafka, ensureTopics, MessagingLogger, TOPOLOGY } from '@payments/messaging';
import { createPlaidApi, PlaidBankTransferAdapter, PlaidLinkAdapter, PlaidWebhookVerifier } from '@payments/providers/plaid';
import {
  FIELD_CIPHER,
  FINGERPRINTER,
  FUNDING_ASSETS,
  FX_RATES,
  PAYMENT_RAILS,
  PLAID_BANK_TRANSFERS,
  PLAID_LINK,
  PLAID_WEBHOOK_VERIFIER,
  REMITTANCES,
} from '@payments/providers/nest/provider-tokens';
import { PaymentRailsHttpAdapter } from '@payments/providers/payment-rails';
import { SandboxFxRates } from '@payments/providers/fx';
import { RemittancesHttpAdapter } from '@payments/providers/remittances';
import { PG_POOL } from '@payments/read-models';
import { FieldCipher, Fingerprinter } from '@payments/security';

export const KAFKA = Symbol('KAFKA');
export const BANK_LINKING_OPTIONS = Symbol('BANK_LINKING_OPTIONS');

/** Provider-sandbox credentials used when no PLAID_* variables are set (dev, tests, embedded mode). */
export const SANDBOX_PLAID_CREDENTIALS = { clientId: 'sandbox-client-id', secret: 'sandbox-secret' } as const;

export interface InfrastructureOptions {
  config: AppConfig;
  clock?: Clock;
  /** Use this pool instead of creating one (the caller closes it). */
  pool?: Pool;
  /** Use this event store instead of building one from config (the caller closes it). */
  eventStore?: EventStore;
}

@Injectable()
class ResourceCloser implements OnApplicationShutdown {
  constructor(
    @Inject(PG_POOL) private readonly pool: Pool,
    @Inject('OWNS_POOL') private readonly ownsPool: boolean,
  ) {}
  async onApplicationShutdown(): Promise<void> {
    if (this.ownsPool) await this.pool.end();
  }
}

/** Builds the event store named by the configuration: EventStoreDB when its connection string is set, else Postgres. */
export async function createEventStore(config: AppConfig, pool: Pool): Promise<EventStore> {
  if (config.eventStoreConnectionString) return EsdbEventStore.fromConnectionString(config.eventStoreConnectionString);
  const store = new PostgresEventStore({ pool });
  await store.ensureSchema();
  return store;
}

export function plaidSettings(config: AppConfig): { basePath: string; clientId: string; secret: string } {
  return config.plaid
    ? { basePath: config.plaid.baseUrl, clientId: config.plaid.clientId, secret: config.plaid.secret.reveal() }
    : { basePath: `http://127.0.0.1:${config.providerSandboxPort}`, ...SANDBOX_PLAID_CREDENTIALS };
}

/**
 * The composition root's shared infrastructure, from one validated AppConfig: Postgres pool, event store,
 * clock + command processor, provider adapters, field cipher, fingerprints and (when configured) Kafka.
 * Used by api, worker and embedded mode alike.
 */
@Global()
@Module({})
export class InfrastructureModule {
  static forRoot(options: InfrastructureOptions): DynamicModule {
    const { config } = options;
    const clock = options.clock ?? systemClock;
    const provider = plaidSettings(config);
    const plaid = createPlaidApi(provider);
    const providers = [
      { provide: PG_POOL, useValue: options.pool ?? new Pool({ connectionString: config.databaseUrl, max: 20, application_name: 'payments' }) },
      { provide: 'OWNS_POOL', useValue: !options.pool },
      ResourceCloser,
      { provide: PLAID_LINK, useValue: new PlaidLinkAdapter(plaid) },
      { provide: PLAID_BANK_TRANSFERS, useValue: new PlaidBankTransferAdapter(plaid) },
      // SEPA, FPS and NGN payouts: the same provider (provider-sandbox in dev and tests) and credentials as Plaid's.
      { provide: PAYMENT_RAILS, useValue: new PaymentRailsHttpAdapter(provider) },
      // Cross-border remittances: the same provider and credentials.
      { provide: REMITTANCES, useValue: new RemittancesHttpAdapter(provider) },
      // The sandbox FX table (FX_SANDBOX_RATES over its defaults; ops can change it at run time) and FUNDING_ASSETS.
      { provide: FX_RATES, useValue: new SandboxFxRates(config.fxSandboxRates, () => clock.now()) },
      { provide: FUNDING_ASSETS, useValue: new FundingAssetRegistry(config.fundingAssets) },
      { provide: PLAID_WEBHOOK_VERIFIER, useValue: PlaidWebhookVerifier.forPlaidApi(plaid, { clock, maxAgeSeconds: config.webhookMaxAgeSeconds }) },
      { provide: FIELD_CIPHER, useValue: new FieldCipher(config.encryptionKey.reveal()) },
      { provide: FINGERPRINTER, useValue: new Fingerprinter(config.fingerprintKey.reveal()) },
      {
        provide: KAFKA,
        useValue: config.kafka
          ? createKafka({ brokers: config.kafka.brokers, clientId: config.kafka.clientId, logLevel: 'warn', logger: nestMessagingLogger(new Logger('Kafka')) })
          : null,
      },
      { provide: BANK_LINKING_OPTIONS, useValue: { webhookUrl: `${config.publicBaseUrl}/webhooks/plaid`, clientName: 'Payments' } },
    ];
    return {
      module: InfrastructureModule,
      imports: [
        ConfigModule.forRoot(config),
        EventStoreModule.forRoot({
          clock,
          closeOnShutdown: !options.eventStore,
          inject: [PG_POOL],
          useFactory: (async (pool: Pool) => options.eventStore ?? createEventStore(config, pool)) as never,
        }),
      ],
      providers,
      exports: [...providers.map((p) => (typeof p === 'function' ? p : p.provide)), EventStoreModule, ConfigModule],
    };
  }
}

export type { Kafka };

/** In embedded mode the API hands verified webhooks to this handler (the worker's translator) in-process. */
export const WEBHOOK_HANDLER = Symbol('WEBHOOK_HANDLER');
export interface WebhookHandler {
  handle(webhook: import('@payments/messaging').ReceivedWebhook): Promise<void>;
}

/** The Kafka topology with every topic name prefixed (test runs and tenants can share a cluster). */
export function prefixedTopology(prefix: string): import('@payments/messaging').TopicSpec[] {
  return TOPOLOGY.map((spec) => ({ ...spec, name: `${prefix}${spec.name}` }));
}

/** Creates the service's Kafka topics (prefixed) when Kafka is configured; the project never relies on auto-create. */
export async function ensureKafkaTopology(config: AppConfig): Promise<void> {
  if (!config.kafka) return;
  await ensureTopics(createKafka({ brokers: config.kafka.brokers, clientId: `${config.kafka.clientId}-admin` }), {
    replicationFactor: config.kafka.replicationFactor,
    topics: prefixedTopology(config.kafka.topicPrefix),
  });
}

/** Optional sources of lag figures for /metrics (provided by the worker when it runs in the same process). */
export const PROJECTION_LAG_SOURCE = Symbol('PROJECTION_LAG_SOURCE');
export const CONSUMER_LAG_SOURCE = Symbol('CONSUMER_LAG_SOURCE');
export interface ProjectionLagSource {
  projectionLag(): Promise<{ projection: string; events: number }[]>;
}
export interface ConsumerLagSource {
  consumerLag(): Promise<{ group: string; topic: string; messages: number }[]>;
}

/** Adapts Nest's logger (and so the service's structured logger) to the messaging library's pino-shaped one. */
export function nestMessagingLogger(logger: Logger): MessagingLogger {
  const line = (fields: Record<string, unknown>, message: string) => `${message} ${JSON.stringify(fields)}`;
  return {
    debug: (f, m) => logger.debug(line(f, m)),
    info: (f, m) => logger.log(line(f, m)),
    warn: (f, m) => logger.warn(line(f, m)),
    error: (f, m) => logger.error(line(f, m)),
  };
}
