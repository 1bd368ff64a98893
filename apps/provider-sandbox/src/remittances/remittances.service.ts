import { Inject, Injectable, Logger, OnApplicationShutdown } from '@nestjs/common';
import { randomUUID } from 'node:crypto';
import { Currency, MINOR_UNIT_EXPONENT } from '@payments/domain';
import { newRequestId } from '../common/ids';
import { checkMetadata } from '../common/metadata';
import { PlaidApiException } from '../common/plaid-api.exception';
import { SandboxTimers } from '../common/sandbox-timers';
import { ResolvedSandboxOptions, SANDBOX_OPTIONS } from '../common/sandbox-options';
import { RemittanceCreateDto, SandboxRemittanceSimulateDto, SandboxRemittanceStatus } from './remittances.dto';

type Json = Record<string, unknown>;

interface SandboxRemittance {
  id: string;
  status: SandboxRemittanceStatus;
  sourceCurrency: Currency;
  sourceAmount: string;
  targetCurrency: Currency;
  targetAmount: string;
  rate: string;
  beneficiary: { name: string; country: string; accountMask: string };
  metadata: Record<string, string> | null;
  created: Date;
  settledAt: Date | null;
  failureReason: { code: string | null; description: string } | null;
}

/** Texts for the reason codes tests use most; any other code gets a generic text. */
const REASON_DESCRIPTIONS: Readonly<Record<string, string>> = {
  AC01: 'Incorrect account number',
  AC04: 'Closed account number',
  AG01: 'Transaction forbidden',
  RR04: 'Regulatory reason',
};

/**
 * The sandbox's cross-border remittances: creation with idempotency keys (the same key and request return the same
 * remittance; another request with the key is refused), a status to poll with /payment_rails/remittance/get, and
 * simulated outcomes (pending → settled | failed), or auto-settlement after `paymentRails.autoSettleAfterMs`. The
 * beneficiary's account number is kept only as a mask. No webhooks: the service polls (see the worker).
 */
@Injectable()
export class RemittancesService implements OnApplicationShutdown {
  private readonly logger = new Logger('Remittances');
  private readonly timers = new SandboxTimers();
  private readonly byId = new Map<string, SandboxRemittance>();
  private readonly byKey = new Map<string, { id: string; fingerprint: string }>();

  constructor(@Inject(SANDBOX_OPTIONS) private readonly options: ResolvedSandboxOptions) {}

  onApplicationShutdown(): void {
    this.timers.close();
  }

  create(dto: RemittanceCreateDto): Json {
    for (const [field, currency, amount] of [
      ['source_amount', dto.source_currency, dto.source_amount],
      ['target_amount', dto.target_currency, dto.target_amount],
    ] as const) {
      const decimals = (amount.split('.')[1] ?? '').length;
      if (decimals !== MINOR_UNIT_EXPONENT[currency]) throw PlaidApiException.invalidField(`${field} must have exactly ${MINOR_UNIT_EXPONENT[currency]} decimals for ${currency}`);
      if (/^[0.]+$/.test(amount)) throw PlaidApiException.invalidField(`${field} must be greater than zero`);
    }
    if (dto.source_currency === dto.target_currency) throw PlaidApiException.invalidField('target_currency must differ from source_currency');
    const metadata = checkMetadata(dto.metadata);
    const accountMask = dto.beneficiary.account_number.slice(-4);
    // The fingerprint keeps the whole request but only in memory, as the real provider would compare it.
    const fingerprint = JSON.stringify([dto.source_currency, dto.source_amount, dto.target_currency, dto.target_amount, dto.rate, dto.beneficiary, metadata]);
    const previous = this.byKey.get(dto.idempotency_key);
    if (previous) {
      if (previous.fingerprint !== fingerprint) throw PlaidApiException.invalidField('idempotency_key has already been used for a different remittance request');
      return { remittance: remittanceJson(this.require(previous.id)), request_id: newRequestId() };
    }
    const remittance: SandboxRemittance = {
      id: randomUUID(),
      status: 'pending',
      sourceCurrency: dto.source_currency,
      sourceAmount: dto.source_amount,
      targetCurrency: dto.target_currency,
      targetAmount: dto.target_amount,
      rate: dto.rate,
      beneficiary: { name: dto.beneficiary.name, country: dto.beneficiary.country, accountMask },
      metadata,
      created: this.options.clock.now(),
      settledAt: null,
      failureReason: null,
    };
    this.byId.set(remittance.id, remittance);
    this.byKey.set(dto.idempotency_key, { id: remittance.id, fingerprint });
    this.scheduleAutoSettle(remittance);
    return { remittance: remittanceJson(remittance), request_id: newRequestId() };
  }

  get(remittanceId: string): Json {
    return { remittance: remittanceJson(this.require(remittanceId)), request_id: newRequestId() };
  }

  simulate(dto: SandboxRemittanceSimulateDto): Json {
    const remittance = this.require(dto.remittance_id);
    if (remittance.status !== 'pending') {
      throw new PlaidApiException(400, 'SANDBOX_ERROR', 'SANDBOX_REMITTANCE_EVENT_TRANSITION_INVALID', `cannot simulate ${dto.event_type} on a remittance that is ${remittance.status} (allowed: pending -> settled | failed)`);
    }
    if (dto.event_type === 'settled') {
      if (dto.failure_reason) throw PlaidApiException.invalidField('failure_reason is only allowed with event_type failed');
      this.settle(remittance);
    } else {
      const code = dto.failure_reason?.code ?? null;
      remittance.status = 'failed';
      remittance.failureReason = { code, description: dto.failure_reason?.description ?? (code ? (REASON_DESCRIPTIONS[code] ?? `remittance failed (${code})`) : 'remittance failed') };
    }
    return { request_id: newRequestId() };
  }

  private settle(remittance: SandboxRemittance): void {
    remittance.status = 'settled';
    remittance.settledAt = this.options.clock.now();
  }

  private scheduleAutoSettle(remittance: SandboxRemittance): void {
    const delay = this.options.paymentRails.autoSettleAfterMs;
    if (delay === null) return;
    this.timers.after(delay, () => {
      if (remittance.status !== 'pending') return;
      this.logger.log(`auto-settling remittance ${remittance.id}`);
      this.settle(remittance);
    });
  }

  private require(remittanceId: string): SandboxRemittance {
    const remittance = this.byId.get(remittanceId);
    if (!remittance) throw new PlaidApiException(400, 'INVALID_INPUT', 'REMITTANCE_NOT_FOUND', 'no remittance with this remittance_id');
    return remittance;
  }
}

function remittanceJson(r: SandboxRemittance): Json {
  return {
    remittance_id: r.id,
    status: r.status,
    source_currency: r.sourceCurrency,
    source_amount: r.sourceAmount,
    target_currency: r.targetCurrency,
    target_amount: r.targetAmount,
    rate: r.rate,
    beneficiary: { name: r.beneficiary.name, country: r.beneficiary.country, account_mask: r.beneficiary.accountMask },
    metadata: r.metadata,
    created: r.created.toISOString(),
    settled_at: r.settledAt?.toISOString() ?? null,
    failure_reason: r.failureReason,
  };
}
