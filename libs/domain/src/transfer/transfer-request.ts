import { DomainError, ErrorDetail, ErrorReason } from '../shared/domain-error';
import { parseAmount } from '../shared/money';
import { abaChecksumValid } from '../recipient/bank-account-identifiers';
import { RecipientName } from '../customer/capabilities';
import { FundingAsset, FundingAssetRegistry, isAssetAddress } from '../funding/funding-assets';

/**
 * The request bodies of the ACH bank transfer seed (ach-bank-transfer-estimate-execute.txt): estimate
 * (`POST /api/v2/bank/transfer/estimate`) and execute (`POST /api/v1/bank/transfer`). Every rule of the seed's
 * Validation Errors table is checked here, with the table's exact `error_reason` and field, as a 400
 * CategoryValidationFailure; every bad field is listed (field/issue pairs), the first one's reason is the error's.
 */
export interface TransferLegalAddress {
  line1: string;
  line2?: string;
  city: string;
  state?: string;
  zip_code: string;
  country: string;
}

/** Names are not secret (they are on the statement); the numbers are, and leave this module only sealed. */
export interface TransferRecipientAccount {
  account_number: string;
  routing_number: string;
  bank_name?: string;
  legal_address: TransferLegalAddress;
}

export interface TransferDetails {
  recipient: RecipientName;
  recipient_account: TransferRecipientAccount;
  reference?: string;
}

export interface EstimateTransferRequest extends TransferDetails {
  account_id: string;
  amount_minor: bigint;
  /** The assets to quote: the `tokens` asked for, in their order, else every configured asset. */
  assets: FundingAsset[];
}

export interface ExecuteTransferRequest extends TransferDetails {
  account_id: string;
  asset: FundingAsset;
  /** Exactly one of the two. */
  estimation_id?: string;
  amount_minor?: bigint;
}

/** `{account_id}:{details_id}`, each 32 hex digits (the seed's example form). */
export const ACH_ACCOUNT_ID = /^[0-9a-fA-F]{32}:[0-9a-fA-F]{32}$/;
export const TRANSFER_REFERENCE_MAX_LENGTH = 100;
const TEXT_MAX_LENGTH = 140;
const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Problem = { reason: ErrorReason; field: string; issue: string; description: string };

class Problems {
  readonly list: Problem[] = [];
  missing(field: string, issue = 'required', description = `${field.replace(/_/g, ' ')} is required`): void {
    this.list.push({ reason: 'ErrorMissingField', field, issue, description });
  }
  invalid(field: string, issue: string, description: string): void {
    this.list.push({ reason: 'ErrorInvalidField', field, issue, description });
  }
  /** Runs a parser that throws a DomainError (e.g. the amount parser) and records its problem. */
  from(fn: () => void): void {
    try {
      fn();
    } catch (error) {
      if (!(error instanceof DomainError)) throw error;
      const field = error.details.find((d) => d.key === 'field')?.details ?? 'body';
      const issue = error.details.find((d) => d.key === 'issue')?.details ?? 'invalid';
      this.list.push({ reason: error.reason, field, issue, description: error.description });
    }
  }
  throwIfAny(): void {
    if (this.list.length === 0) return;
    const details: ErrorDetail[] = this.list.flatMap((p) => [
      { key: 'field', details: p.field },
      { key: 'issue', details: p.issue },
    ]);
    throw new DomainError(this.list[0].reason, this.list.map((p) => p.description).join('; '), 'CategoryValidationFailure', details);
  }
}

const isObject = (value: unknown): value is Record<string, unknown> => typeof value === 'object' && value !== null && !Array.isArray(value);
const absent = (value: unknown): boolean => value === undefined || value === null;
const blank = (value: unknown): boolean => absent(value) || (typeof value === 'string' && value.trim() === '');

/** An optional or required text field: trimmed, 1..max characters. */
function text(problems: Problems, value: unknown, field: string, required: boolean, max = TEXT_MAX_LENGTH): string | undefined {
  if (blank(value)) {
    if (required) problems.missing(field);
    return undefined;
  }
  if (typeof value !== 'string') {
    problems.invalid(field, 'type', `${field} must be a string`);
    return undefined;
  }
  const trimmed = value.trim();
  if ([...trimmed].length > max) {
    problems.invalid(field, 'too_long', `${field} must be at most ${max} characters`);
    return undefined;
  }
  return trimmed;
}

function parseAccountId(problems: Problems, value: unknown, ownAccountId: string): string | undefined {
  if (blank(value)) {
    problems.missing('account_id');
    return undefined;
  }
  if (typeof value !== 'string' || !ACH_ACCOUNT_ID.test(value)) {
    problems.invalid('account_id', 'invalid_format', 'account id must be {account_id}:{details_id}');
    return undefined;
  }
  if (value.toLowerCase() !== ownAccountId.toLowerCase()) {
    problems.list.push({ reason: 'ErrorNotFound', field: 'account_id', issue: 'not_found', description: 'account not found' });
    return undefined;
  }
  return value.toLowerCase();
}

function parseRecipient(problems: Problems, value: unknown): RecipientName | undefined {
  if (!isObject(value)) {
    if (absent(value)) problems.missing('recipient', 'required', 'recipient details are required');
    else problems.invalid('recipient', 'type', 'recipient must be an object');
    return undefined;
  }
  const company = text(problems, value.company_name, 'recipient.company_name', false);
  const first = text(problems, value.first_name, 'recipient.first_name', false);
  const last = text(problems, value.last_name, 'recipient.last_name', false);
  if (company !== undefined) {
    if (first !== undefined || last !== undefined) problems.invalid('recipient', 'name_ambiguous', 'recipient must name a person (first_name + last_name) or a company (company_name), not both');
    return { company_name: company };
  }
  if (first === undefined && last === undefined) {
    problems.missing('recipient', 'name_required', 'recipient details are required: first_name and last_name, or company_name');
    return undefined;
  }
  if (first === undefined) problems.missing('recipient.first_name');
  if (last === undefined) problems.missing('recipient.last_name');
  return first !== undefined && last !== undefined ? { first_name: first, last_name: last } : undefined;
}

function parseLegalAddress(problems: Problems, value: unknown): TransferLegalAddress | undefined {
  const field = 'recipient_account.legal_address';
  if (!isObject(value)) {
    if (absent(value)) problems.missing(field, 'required_for_ach', 'recipient account.legal address is required for ACH');
    else problems.invalid(field, 'type', `${field} must be an object`);
    return undefined;
  }
  const line1 = text(problems, value.line1, `${field}.line1`, true);
  const line2 = text(problems, value.line2, `${field}.line2`, false);
  const city = text(problems, value.city, `${field}.city`, true);
  const zip = text(problems, value.zip_code, `${field}.zip_code`, true, 10);
  let country: string | undefined;
  if (blank(value.country)) problems.missing(`${field}.country`);
  else if (typeof value.country !== 'string' || !/^[A-Z]{2}$/.test(value.country)) problems.invalid(`${field}.country`, 'format', 'country must be an ISO 3166-1 alpha-2 code such as US');
  else country = value.country;
  let state: string | undefined;
  if (blank(value.state)) {
    // The seed's table names this field `legal_address.state`.
    if (country === 'US') problems.missing('legal_address.state', 'required_for_us', 'state is required for US addresses');
  } else if (typeof value.state !== 'string' || !/^[A-Za-z]{2,3}$/.test(value.state.trim())) {
    problems.invalid('legal_address.state', 'format', 'state must be a 2-3 letter state code');
  } else state = value.state.trim().toUpperCase();
  if (line1 === undefined || city === undefined || zip === undefined || country === undefined || (country === 'US' && state === undefined)) return undefined;
  return { line1, ...(line2 !== undefined ? { line2 } : {}), city, ...(state !== undefined ? { state } : {}), zip_code: zip, country };
}

function parseRecipientAccount(problems: Problems, value: unknown): TransferRecipientAccount | undefined {
  if (!isObject(value)) {
    if (absent(value)) problems.missing('recipient_account', 'required', 'recipient account is required');
    else problems.invalid('recipient_account', 'type', 'recipient_account must be an object');
    return undefined;
  }
  let account: string | undefined;
  if (blank(value.account_number)) problems.missing('recipient_account.account_number', 'required', 'account number is required');
  else if (typeof value.account_number !== 'string' || !/^[0-9]{4,17}$/.test(value.account_number)) {
    problems.invalid('recipient_account.account_number', 'format', 'account number must be 4 to 17 digits');
  } else account = value.account_number;
  let routing: string | undefined;
  if (blank(value.routing_number)) problems.missing('recipient_account.routing_number', 'required', 'routing number is required');
  else if (typeof value.routing_number !== 'string' || !/^[0-9]{9}$/.test(value.routing_number)) {
    problems.invalid('recipient_account.routing_number', 'format', 'routing number must be exactly 9 digits');
  } else if (!abaChecksumValid(value.routing_number)) {
    problems.invalid('recipient_account.routing_number', 'invalid_checksum', 'routing number fails the ABA checksum');
  } else routing = value.routing_number;
  const bankName = text(problems, value.bank_name, 'recipient_account.bank_name', false);
  const address = parseLegalAddress(problems, value.legal_address);
  if (account === undefined || routing === undefined || address === undefined) return undefined;
  return { account_number: account, routing_number: routing, ...(bankName !== undefined ? { bank_name: bankName } : {}), legal_address: address };
}

function parseDetails(problems: Problems, body: Record<string, unknown>): Partial<TransferDetails> {
  const recipient = parseRecipient(problems, body.recipient);
  const recipientAccount = parseRecipientAccount(problems, body.recipient_account);
  const reference = text(problems, body.reference, 'reference', false, TRANSFER_REFERENCE_MAX_LENGTH);
  return { recipient, recipient_account: recipientAccount, ...(reference !== undefined ? { reference } : {}) };
}

function parseUsd(problems: Problems, value: unknown): bigint | undefined {
  let minor: bigint | undefined;
  problems.from(() => {
    minor = parseAmount(value, 'USD').amountMinor;
  });
  return minor;
}

/** The estimate request, or the seed's 400 listing every bad field. `ownAccountId` is the user's ACH account id. */
export function parseEstimateTransferRequest(body: Record<string, unknown>, ownAccountId: string, registry: FundingAssetRegistry): EstimateTransferRequest {
  const problems = new Problems();
  const accountId = parseAccountId(problems, body.account_id, ownAccountId);
  const amount = parseUsd(problems, body.amount);
  let assets: FundingAsset[] = [...registry.all()];
  if (!absent(body.tokens)) {
    if (!Array.isArray(body.tokens) || body.tokens.length === 0) problems.invalid('tokens', 'type', 'tokens must be a non-empty array of token addresses');
    else {
      assets = [];
      for (const [index, token] of body.tokens.entries()) {
        const asset = typeof token === 'string' && isAssetAddress(token) ? registry.byAddressOrNull(token) : null;
        if (!asset) problems.invalid(`tokens[${index}]`, isAssetAddress(token) ? 'unknown_token' : 'invalid_format', 'token address is invalid');
        else if (!assets.includes(asset)) assets.push(asset);
      }
    }
  }
  const details = parseDetails(problems, body);
  problems.throwIfAny();
  return { account_id: accountId!, amount_minor: amount!, assets, recipient: details.recipient!, recipient_account: details.recipient_account!, ...(details.reference !== undefined ? { reference: details.reference } : {}) };
}

/** The execute request: `estimation_id` XOR `amount`, a known `token_address`, and the transfer details. */
export function parseExecuteTransferRequest(body: Record<string, unknown>, ownAccountId: string, registry: FundingAssetRegistry): ExecuteTransferRequest {
  const problems = new Problems();
  const accountId = parseAccountId(problems, body.account_id, ownAccountId);
  let asset: FundingAsset | undefined;
  problems.from(() => {
    asset = registry.require(body.token_address, 'token_address');
  });
  if (absent(body.token_address)) {
    problems.list.pop();
    problems.missing('token_address');
  }
  let estimationId: string | undefined;
  let amount: bigint | undefined;
  const hasEstimate = !absent(body.estimation_id);
  const hasAmount = !absent(body.amount);
  if (hasEstimate && hasAmount) problems.invalid('amount', 'amount_and_estimation_id', 'provide either amount or estimation_id, not both');
  else if (!hasEstimate && !hasAmount) problems.missing('amount', 'amount_or_estimation_id_required', 'amount or estimation_id is required');
  else if (hasEstimate) {
    if (typeof body.estimation_id !== 'string' || !UUID.test(body.estimation_id)) problems.invalid('estimation_id', 'format', 'estimation id must be the id an estimate returned');
    else estimationId = body.estimation_id.toLowerCase();
  } else amount = parseUsd(problems, body.amount);
  const details = parseDetails(problems, body);
  problems.throwIfAny();
  return {
    account_id: accountId!,
    asset: asset!,
    ...(estimationId !== undefined ? { estimation_id: estimationId } : {}),
    ...(amount !== undefined ? { amount_minor: amount } : {}),
    recipient: details.recipient!,
    recipient_account: details.recipient_account!,
    ...(details.reference !== undefined ? { reference: details.reference } : {}),
  };
}

/** The seed's row for a missing capability: 400 ErrorNotSupported on `recipient`. */
export function capabilityNotActive(capability: string): DomainError {
  return new DomainError('ErrorNotSupported', `capability ${capability} is not active for this transfer type`, 'CategoryValidationFailure', [
    { key: 'field', details: 'recipient' },
    { key: 'issue', details: 'capability_not_active' },
    { key: 'capability', details: capability },
  ]);
}
