import { Inject, Injectable } from '@nestjs/common';
import {
  AssetQuote,
  assetAvailable,
  assetBalanceDecider,
  assetBalanceStreamId,
  capabilityNotActive,
  customerDecider,
  customerFacts,
  customerStreamId,
  formatAssetUnits,
  FundingAsset,
  FundingAssetRegistry,
  quoteAmount,
  RecipientName,
  requiredAchCapability,
  SealedTransferDetails,
  TransferDetails,
} from '@payments/domain';
import { CommandProcessor, deterministicUuid } from '@payments/event-store';
import { FIELD_CIPHER, FINGERPRINTER, FUNDING_ASSETS } from '@payments/providers/nest/provider-tokens';
import { FieldCipher, Fingerprinter } from '@payments/security';

/**
 * The user's ACH account id, `{account_id}:{details_id}` (seed form: 32 hex digits each): derived from the user id,
 * so it needs no storage and is the same on every call. The user learns it from `GET /api/v2/balances`
 * (`ach_account_id`). Transfers are funded from the user's asset balances; this id names the user's ACH-out account.
 */
export function achAccountIdFor(userId: string): string {
  const hex = (name: string) => deterministicUuid(name).replace(/-/g, '');
  return `${hex(`ach-account:${userId}`)}:${hex(`ach-account-details:${userId}`)}`;
}

/** Ciphertexts are bound to their transfer and field (AES-GCM additional data). */
export const transferSealContext = (transferId: string, field: 'account_number' | 'routing_number') => `transfer:${transferId}:${field}`;

/** A quote as the seed shows it in `estimated_amounts[]` (numbers formatted at the very end, from exact strings). */
export function estimatedAmountView(q: AssetQuote) {
  return { amount: Number(quoteAmount(q)), precise_amount: q.precise_amount, token_address: q.token_address, token_symbol: q.token_symbol, rate: Number(q.rate) };
}

export function assetBalanceView(asset: FundingAsset, balance: bigint, held: bigint) {
  const available = assetAvailable({ balance, held });
  return {
    token_address: asset.address,
    token_symbol: asset.symbol,
    decimals: asset.decimals,
    pegged_to: asset.peggedTo,
    balance: formatAssetUnits(balance, asset.decimals),
    available: formatAssetUnits(available, asset.decimals),
    precise_balance: balance.toString(),
    precise_held: held.toString(),
    precise_available: available.toString(),
  };
}

/** What estimate and execute share: the asset registry, capability check, sealing of the recipient's numbers. */
@Injectable()
export class TransferSupport {
  constructor(
    private readonly commands: CommandProcessor,
    @Inject(FUNDING_ASSETS) readonly assets: FundingAssetRegistry,
    @Inject(FIELD_CIPHER) private readonly cipher: FieldCipher,
    @Inject(FINGERPRINTER) private readonly fingerprinter: Fingerprinter,
  ) {}

  /** AchOut1stParty when the recipient is the user's verified name, else AchOut3rdParty: missing → the seed's 400. */
  async requireCapability(userId: string, recipient: RecipientName): Promise<void> {
    const facts = customerFacts((await this.commands.load(customerStreamId(userId), customerDecider)).state);
    const needed = requiredAchCapability(recipient, facts.verifiedName ?? null);
    if (!facts.capabilities?.includes(needed)) throw capabilityNotActive(needed);
  }

  fingerprint(details: TransferDetails): string {
    return this.fingerprinter.fingerprint('transfer-account', details.recipient_account.routing_number, details.recipient_account.account_number);
  }

  /** The numbers encrypted (last 4 kept), plus the keyed fingerprint; the plaintext stays in this request's memory. */
  seal(transferId: string, details: TransferDetails): SealedTransferDetails {
    const { account_number, routing_number, bank_name, legal_address } = details.recipient_account;
    const seal = (field: 'account_number' | 'routing_number', value: string) => ({ ciphertext: this.cipher.encrypt(value, transferSealContext(transferId, field)), last4: value.slice(-4) });
    return {
      recipient: details.recipient,
      recipient_account: {
        account_number: seal('account_number', account_number),
        routing_number: seal('routing_number', routing_number),
        ...(bank_name !== undefined ? { bank_name } : {}),
        legal_address,
        fingerprint: this.fingerprint(details),
      },
      ...(details.reference !== undefined ? { reference: details.reference } : {}),
    };
  }

  async balanceOf(userId: string, asset: FundingAsset): Promise<{ balance: bigint; held: bigint }> {
    const { state } = await this.commands.load(assetBalanceStreamId(userId, asset.symbol), assetBalanceDecider);
    return { balance: state.balance, held: state.held };
  }
}
