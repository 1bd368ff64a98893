import { randomBytes } from 'node:crypto';
import { getMetadataStorage } from 'class-validator';
import { ENVIRONMENT_VARIABLE_NAMES, EnvironmentVariables } from './environment-variables';
import { ConfigError, decodeKey, describeConfig, loadConfig, maskUrl } from './index';

const key = () => randomBytes(32).toString('base64');
const service = (extra: Record<string, string | undefined> = {}) => ({
  DATABASE_URL: 'postgres://app:s3cret@db.internal:5432/payments',
  ENCRYPTION_KEY: key(),
  FINGERPRINT_KEY: key(),
  ...extra,
});

function problemsOf(fn: () => unknown): Record<string, string> {
  try {
    fn();
  } catch (error) {
    expect(error).toBeInstanceOf(ConfigError);
    return Object.fromEntries((error as ConfigError).problems.map((p) => [p.variable, p.problem]));
  }
  throw new Error('expected a ConfigError');
}

describe('loadConfig', () => {
  it('applies the documented defaults', () => {
    const config = loadConfig(service());
    expect(config).toMatchObject({
      nodeEnv: 'development',
      port: 3000,
      dataDir: '.data',
      providerSandboxPort: 3100,
      logLevel: 'info',
      idempotencyTtlHours: 24,
      webhookMaxAgeSeconds: 300,
      apiKeyCacheMs: 1000,
      transferEstimateTtlSeconds: 300,
      publicBaseUrl: 'http://127.0.0.1:3000',
    });
    expect(config.kafka).toBeUndefined();
    expect(config.eventStoreConnectionString).toBeUndefined();
    expect(config.plaid).toBeUndefined();
    expect(config.localApiKey).toBeUndefined();
    expect(config.encryptionKey.reveal()).toHaveLength(32);
  });

  it('parses every variable into its typed field', () => {
    const encryption = randomBytes(32);
    const config = loadConfig(
      service({
        NODE_ENV: 'production',
        PORT: '8080',
        DATA_DIR: '/var/lib/payments',
        LOCAL_API_KEY: 'local-key-0123456789',
        OPS_API_KEY: 'ops-key-0123456789ab',
        KAFKA_BROKERS: 'k1:9092, k2:9092',
        KAFKA_CLIENT_ID: 'payments-api',
        EVENTSTORE_CONNECTION_STRING: 'esdb://es1:2113?tls=false',
        ENCRYPTION_KEY: encryption.toString('base64url'),
        PLAID_BASE_URL: 'https://sandbox.plaid.com/',
        PLAID_CLIENT_ID: 'client-1',
        PLAID_SECRET: 'plaid-secret-value',
        PUBLIC_BASE_URL: 'https://payments.example.com/',
        PROVIDER_SANDBOX_PORT: '4010',
        LOG_LEVEL: 'debug',
        IDEMPOTENCY_TTL_HOURS: '48',
        WEBHOOK_MAX_AGE_SECONDS: '120',
        API_KEY_CACHE_MS: '0',
      }),
    );
    expect(config.nodeEnv).toBe('production');
    expect(config.port).toBe(8080);
    expect(config.dataDir).toBe('/var/lib/payments');
    expect(config.localApiKey?.reveal()).toBe('local-key-0123456789');
    expect(config.opsApiKey?.reveal()).toBe('ops-key-0123456789ab');
    expect(config.kafka).toMatchObject({ brokers: ['k1:9092', 'k2:9092'], clientId: 'payments-api' });
    expect(config.eventStoreConnectionString).toBe('esdb://es1:2113?tls=false');
    expect(config.encryptionKey.reveal().equals(encryption)).toBe(true);
    expect(config.plaid?.baseUrl).toBe('https://sandbox.plaid.com');
    expect(config.plaid?.clientId).toBe('client-1');
    expect(config.plaid?.secret.reveal()).toBe('plaid-secret-value');
    expect(config.publicBaseUrl).toBe('https://payments.example.com');
    expect(config.providerSandboxPort).toBe(4010);
    expect(config.logLevel).toBe('debug');
    expect(config.idempotencyTtlHours).toBe(48);
    expect(config.webhookMaxAgeSeconds).toBe(120);
    expect(config.apiKeyCacheMs).toBe(0);
  });

  it('lists every bad variable in one error, without their values', () => {
    const env = {
      PORT: '70000',
      NODE_ENV: 'staging',
      KAFKA_BROKERS: 'k1:9092,,',
      ENCRYPTION_KEY: 'dG9vLXNob3J0',
      LOG_LEVEL: 'loud',
      IDEMPOTENCY_TTL_HOURS: '0',
      WEBHOOK_MAX_AGE_SECONDS: 'five',
      PUBLIC_BASE_URL: 'ftp://x',
      EVENTSTORE_CONNECTION_STRING: 'http://es:2113',
    };
    const problems = problemsOf(() => loadConfig(env));
    expect(Object.keys(problems).sort()).toEqual(
      [
        'DATABASE_URL',
        'ENCRYPTION_KEY',
        'EVENTSTORE_CONNECTION_STRING',
        'FINGERPRINT_KEY',
        'IDEMPOTENCY_TTL_HOURS',
        'KAFKA_BROKERS',
        'LOG_LEVEL',
        'NODE_ENV',
        'PORT',
        'PUBLIC_BASE_URL',
        'WEBHOOK_MAX_AGE_SECONDS',
      ].sort(),
    );
    try {
      loadConfig(env);
    } catch (error) {
      const message = (error as Error).message;
      expect(message).toContain('PORT');
      expect(message).not.toContain('dG9vLXNob3J0');
      expect(message).not.toContain('70000');
    }
  });

  it('requires the database and both keys outside embedded mode, and gives secrets no default', () => {
    const problems = problemsOf(() => loadConfig({}));
    expect(Object.keys(problems).sort()).toEqual(['DATABASE_URL', 'ENCRYPTION_KEY', 'FINGERPRINT_KEY']);
    expect(() => loadConfig({ ...service(), ENCRYPTION_KEY: '' })).toThrow(/ENCRYPTION_KEY: is required/);
  });

  it('lets embedded mode start without database or keys (it supplies them)', () => {
    const config = loadConfig({}, { embedded: true });
    expect(config.databaseUrl).toBeUndefined();
    expect(config.encryptionKey).toBeUndefined();
    expect(config.fingerprintKey).toBeUndefined();
    // a key that is given must still be valid
    expect(() => loadConfig({ ENCRYPTION_KEY: 'short' }, { embedded: true })).toThrow(ConfigError);
  });

  it('rejects keys that are not exactly 32 bytes and a fingerprint key equal to the encryption key', () => {
    expect(problemsOf(() => loadConfig(service({ ENCRYPTION_KEY: randomBytes(31).toString('base64') })))).toHaveProperty('ENCRYPTION_KEY');
    expect(problemsOf(() => loadConfig(service({ FINGERPRINT_KEY: randomBytes(33).toString('base64') })))).toHaveProperty('FINGERPRINT_KEY');
    const same = key();
    expect(problemsOf(() => loadConfig(service({ ENCRYPTION_KEY: same, FINGERPRINT_KEY: same })))).toEqual({
      FINGERPRINT_KEY: expect.stringContaining('must differ'),
    });
  });

  it('wants all three Plaid variables or none', () => {
    const problems = problemsOf(() => loadConfig(service({ PLAID_CLIENT_ID: 'client-1' })));
    expect(Object.keys(problems).sort()).toEqual(['PLAID_BASE_URL', 'PLAID_SECRET']);
  });

  it('rejects weak or shared API keys', () => {
    expect(problemsOf(() => loadConfig(service({ LOCAL_API_KEY: 'short' })))).toHaveProperty('LOCAL_API_KEY');
    const shared = 'the-same-key-0123456789';
    expect(problemsOf(() => loadConfig(service({ LOCAL_API_KEY: shared, OPS_API_KEY: shared })))).toHaveProperty('OPS_API_KEY');
  });

  it('treats empty variables as unset', () => {
    const config = loadConfig(service({ PORT: '', KAFKA_BROKERS: '  ', LOG_LEVEL: '' }));
    expect(config.port).toBe(3000);
    expect(config.kafka).toBeUndefined();
    expect(config.logLevel).toBe('info');
  });

  it('describes itself for logs without secrets or passwords', () => {
    const config = loadConfig(service({ PLAID_BASE_URL: 'http://127.0.0.1:3100', PLAID_CLIENT_ID: 'c', PLAID_SECRET: 'plaid-secret-value', LOCAL_API_KEY: 'local-key-0123456789' }));
    const text = JSON.stringify(describeConfig(config));
    expect(text).not.toContain('s3cret');
    expect(text).not.toContain('plaid-secret-value');
    expect(text).not.toContain('local-key-0123456789');
    expect(text).not.toContain(config.encryptionKey.reveal().toString('base64'));
    expect(text).toContain('postgres://app:***@db.internal:5432/payments');
    expect(JSON.stringify(config)).not.toContain('plaid-secret-value');
  });

  describe('funding assets, sandbox FX rates and the remittance flag', () => {
    const wusd = { address: '0x0774164DC20524Bb239b39D1DC42573C3E4C6976', symbol: 'WUSD', decimals: 6, peggedTo: 'USD' };

    it('defaults to the seed tokens, the sandbox table and remittance off', () => {
      const config = loadConfig(service());
      expect(config.fundingAssets.map((a) => a.symbol)).toEqual(['WUSD', 'WEUR']);
      expect(config.fxSandboxRates).toEqual({});
      expect(config.remittanceEnabled).toBe(false);
    });

    it('parses configured assets, rate overrides (normalised) and the flag', () => {
      const config = loadConfig(
        service({
          FUNDING_ASSETS: JSON.stringify([wusd, { address: '0x' + 'b'.repeat(40), symbol: 'WGBP', decimals: 18, peggedTo: 'GBP' }]),
          FX_SANDBOX_RATES: '{"NGN": "1600.50", "EUR": "0.92", "USD": "1.0"}',
          REMITTANCE_ENABLED: 'true',
        }),
      );
      expect(config.fundingAssets.map((a) => `${a.symbol}/${a.peggedTo}/${a.decimals}`)).toEqual(['WUSD/USD/6', 'WGBP/GBP/18']);
      expect(config.fxSandboxRates).toEqual({ NGN: '1600.5', EUR: '0.92', USD: '1' });
      expect(config.remittanceEnabled).toBe(true);
      expect(loadConfig(service({ REMITTANCE_ENABLED: 'false' })).remittanceEnabled).toBe(false);
    });

    it('stops start-up on a bad asset list, rate table or flag, naming each', () => {
      const problems = problemsOf(() =>
        loadConfig(service({ FUNDING_ASSETS: '[{"address": "0x12", "symbol": "WUSD", "decimals": 6, "peggedTo": "USD"}]', FX_SANDBOX_RATES: '{"NGN": 1600}', REMITTANCE_ENABLED: 'yes' })),
      );
      expect(problems).toEqual({
        FUNDING_ASSETS: expect.stringContaining('address must be 0x followed by 40 hex digits'),
        FX_SANDBOX_RATES: expect.stringContaining('NGN: the rate must be a decimal string'),
        REMITTANCE_ENABLED: 'must be true or false',
      });
      expect(problemsOf(() => loadConfig(service({ FUNDING_ASSETS: 'not json' })))).toEqual({ FUNDING_ASSETS: expect.stringContaining('must be valid JSON') });
      expect(problemsOf(() => loadConfig(service({ FUNDING_ASSETS: JSON.stringify([wusd, wusd]) })))).toEqual({ FUNDING_ASSETS: expect.stringContaining('configured twice') });
      expect(problemsOf(() => loadConfig(service({ FX_SANDBOX_RATES: '["NGN"]' })))).toEqual({ FX_SANDBOX_RATES: expect.stringContaining('JSON object') });
      const rates = problemsOf(() => loadConfig(service({ FX_SANDBOX_RATES: '{"XXX": "1", "EUR": "-0.9", "JPY": "0", "USD": "2"}' }))).FX_SANDBOX_RATES;
      expect(rates).toContain('XXX: not a supported currency');
      expect(rates).toContain('EUR: the rate must be a positive decimal');
      expect(rates).toContain('JPY: the rate must be a positive decimal');
      expect(rates).toContain('USD: the base of the table');
    });
  });

  it('decodes url-safe and standard base64 keys alike', () => {
    const bytes = randomBytes(32);
    expect(decodeKey('K', bytes.toString('base64')).equals(bytes)).toBe(true);
    expect(decodeKey('K', bytes.toString('base64url')).equals(bytes)).toBe(true);
    expect(maskUrl('postgres://u@h/db')).toBe('postgres://u@h/db');
  });
});

describe('the list of variables read from the environment', () => {
  // TRANSFER_ESTIMATE_TTL_SECONDS was once declared and validated but missing from the list, so it was never read.
  it('contains every variable EnvironmentVariables declares', () => {
    const declared = getMetadataStorage()
      .getTargetValidationMetadatas(EnvironmentVariables, '', true, false)
      .map((m) => m.propertyName);
    expect(new Set(declared).size).toBeGreaterThan(20);
    expect([...new Set(declared)].filter((name) => !(ENVIRONMENT_VARIABLE_NAMES as readonly string[]).includes(name))).toEqual([]);
  });

  it('reads the transfer estimate and API key cache settings', () => {
    const config = loadConfig(service({ TRANSFER_ESTIMATE_TTL_SECONDS: '60', API_KEY_CACHE_MS: '250' }));
    expect(config.transferEstimateTtlSeconds).toBe(60);
    expect(config.apiKeyCacheMs).toBe(250);
  });

  it('reads the outbound webhook schedule, defaulting to 30 s doubling up to 1 h, given up after 25 h', () => {
    expect(loadConfig(service()).outboundWebhooks).toEqual({ retryBaseMs: 30_000, retryMaxMs: 3_600_000, giveUpAfterMs: 90_000_000, timeoutMs: 10_000, concurrency: 8 });
    const config = loadConfig(service({ OUTBOUND_WEBHOOK_RETRY_BASE_MS: '200', OUTBOUND_WEBHOOK_RETRY_MAX_MS: '800', OUTBOUND_WEBHOOK_CONCURRENCY: '2' }));
    expect(config.outboundWebhooks).toMatchObject({ retryBaseMs: 200, retryMaxMs: 800, concurrency: 2 });
    expect(problemsOf(() => loadConfig(service({ OUTBOUND_WEBHOOK_CONCURRENCY: '0', OUTBOUND_WEBHOOK_TIMEOUT_MS: 'soon' })))).toEqual({
      OUTBOUND_WEBHOOK_CONCURRENCY: expect.stringContaining('between 1 and 64'),
      OUTBOUND_WEBHOOK_TIMEOUT_MS: expect.any(String),
    });
  });
});
