import { deciderSpec } from '../testing/decider-spec';
import { DEFAULT_FUNDING_ASSETS } from '../funding/funding-assets';
import { quoteAmount, quoteAsset, TransferEstimatedData, TransferEvent, transferDecider } from './transfer.decider';

const spec = deciderSpec(transferDecider);
const [WUSD, WEUR] = DEFAULT_FUNDING_ASSETS;
const now = new Date('2026-03-10T16:00:00Z');
const fx = (quote: 'USD' | 'EUR', rate: string) => ({ base: 'USD' as const, quote, rate, as_of: now.toISOString(), source: 'sandbox' });
const sealed = { ciphertext: 'x', last4: '9012' };
const details = {
  recipient: { first_name: 'Alex', last_name: 'Grey' },
  recipient_account: { account_number: sealed, routing_number: sealed, legal_address: { line1: '1 Main', city: 'NY', state: 'NY', zip_code: '10001', country: 'US' }, fingerprint: 'fp-1' },
};
const estimate: TransferEstimatedData = {
  ...details,
  estimation_id: 'e-1',
  user_id: 'u-1',
  account_id: 'a:b',
  amount_minor: '50000',
  currency: 'USD',
  estimated_amounts: [quoteAsset(50_000n, WUSD, fx('USD', '1')), quoteAsset(50_000n, WEUR, fx('EUR', '0.9217'))],
  estimated_at: now.toISOString(),
  expires_at: new Date(now.getTime() + 300_000).toISOString(),
};
const estimated: TransferEvent = { type: 'TransferEstimated', data: estimate };
const execute = (over: Record<string, unknown> = {}, at = now) => ({
  type: 'ExecuteTransfer' as const,
  data: { transfer_id: 'e-1', user_id: 'u-1', estimation_id: 'e-1', token_address: WEUR.address, fingerprint: 'fp-1', ...over },
  now: at,
});

describe('transfer decider', () => {
  it("quotes the seed's $500 exactly in each token's smallest unit, rounding up", () => {
    expect(estimate.estimated_amounts.map((q) => [q.token_symbol, q.precise_amount, q.rate, quoteAmount(q)])).toEqual([
      ['WUSD', '500000000', '1', '500'],
      ['WEUR', '460850000000000000000', '0.9217', '460.85'],
    ]);
    // $0.01 at 0.333 into 6 decimals = 3330 exactly; at 0.3333333 = 3333.333 → 3334 (up: the service is never short).
    expect(quoteAsset(1n, WUSD, fx('USD', '0.3333333')).precise_amount).toBe('3334');
  });

  it('executes an estimate once, with the estimated quote of the chosen token', () => {
    const [initiated] = transferDecider.decide(execute(), transferDecider.evolve(transferDecider.initialState(), estimated));
    expect(initiated).toMatchObject({ type: 'TransferInitiated', data: { transfer_id: 'e-1', estimation_id: 'e-1', amount_minor: '50000', quote: { token_symbol: 'WEUR', precise_amount: '460850000000000000000' } } });
    spec.given([estimated, initiated]).when(execute()).thenThrows('ErrorInvalidField', 'estimate_already_used');
  });

  it('refuses an expired estimate, another account, a token not estimated, and an unknown estimate', () => {
    spec.given([estimated]).when(execute({}, new Date(now.getTime() + 300_001))).thenThrows('ErrorInvalidField', 'estimate_expired');
    spec.given([estimated]).when(execute({ fingerprint: 'other' })).thenThrows('ErrorInvalidField', 'does_not_match_estimate');
    spec.given([estimated]).when(execute({ token_address: '0x' + 'a'.repeat(40) })).thenThrows('ErrorInvalidField', 'not_estimated');
    spec.given([estimated]).when(execute({ user_id: 'u-2' })).thenThrows('ErrorNotFound');
    spec.given([]).when(execute()).thenThrows('ErrorNotFound');
  });

  it('steps Initiated → CryptoOut → BankOut → Completed; a failure records whether the asset left', () => {
    const [initiated] = transferDecider.decide(execute(), transferDecider.evolve(transferDecider.initialState(), estimated));
    const at = now.toISOString();
    const cryptoOut: TransferEvent = { type: 'TransferCryptoOut', data: { transfer_id: 'e-1', user_id: 'u-1', token_symbol: 'WEUR', precise_amount: '460850000000000000000', at } };
    const bankOut: TransferEvent = { type: 'TransferBankOutSubmitted', data: { transfer_id: 'e-1', user_id: 'u-1', provider: 'plaid', provider_transfer_id: 'bt-1', at } };
    spec.given([estimated, initiated]).when({ type: 'RecordCryptoOut', data: {}, now }).then([cryptoOut]);
    spec.given([estimated, initiated, cryptoOut]).when({ type: 'RecordBankOutSubmitted', data: { provider: 'plaid', provider_transfer_id: 'bt-1' }, now }).then([bankOut]);
    spec.given([estimated, initiated, cryptoOut, bankOut]).when({ type: 'CompleteTransfer', data: {}, now }).then([{ type: 'TransferCompleted', data: { transfer_id: 'e-1', user_id: 'u-1', at } }]);
    const reason = { code: 'R03', description: 'no account' };
    spec.given([estimated, initiated, cryptoOut, bankOut]).when({ type: 'FailTransfer', data: { reason }, now }).then([
      { type: 'TransferFailed', data: { transfer_id: 'e-1', user_id: 'u-1', step: 'BankOut', crypto_out: true, reason, at } },
    ]);
    spec.given([estimated, initiated]).when({ type: 'FailTransfer', data: { reason }, now }).then([
      { type: 'TransferFailed', data: { transfer_id: 'e-1', user_id: 'u-1', step: 'CryptoOut', crypto_out: false, reason, at } },
    ]);
    spec.given([estimated, initiated]).when({ type: 'CompleteTransfer', data: {}, now }).thenThrows('ErrorInvalidState', 'transfer_outcome_conflict');
  });

  describe('AbandonTransfer (orphaned hold)', () => {
    const reason = { code: 'ORPHANED_HOLD', description: 'the transfer request did not complete within 300 s' };
    const abandon = (token_symbol = 'WEUR') => ({ type: 'AbandonTransfer' as const, data: { transfer_id: 'e-1', user_id: 'u-1', token_symbol, reason }, now });
    const abandoned = (token_symbol = 'WEUR'): TransferEvent => ({ type: 'TransferAbandoned', data: { transfer_id: 'e-1', user_id: 'u-1', token_symbol, reason, at: now.toISOString() } });
    const fresh = () => ({ ...execute({ estimation_id: undefined }), data: { ...execute().data, estimation_id: undefined, fresh: { account_id: 'a:b', amount_minor: '50000', currency: 'USD' as const, quote: estimate.estimated_amounts[1], ...details } } });

    it('abandons an id that was never initiated: a fresh id (empty stream) or an unexecuted estimate', () => {
      spec.given([]).when(abandon()).then([abandoned()]);
      spec.given([estimated]).when(abandon()).then([abandoned()]);
    });

    it('does nothing once the transfer was initiated, whatever happened after', () => {
      const [initiated] = transferDecider.decide(execute(), transferDecider.evolve(transferDecider.initialState(), estimated));
      spec.given([estimated, initiated]).when(abandon()).then([]);
      const failed: TransferEvent = { type: 'TransferFailed', data: { transfer_id: 'e-1', user_id: 'u-1', step: 'CryptoOut', crypto_out: false, reason, at: now.toISOString() } };
      spec.given([estimated, initiated, failed]).when(abandon()).then([]);
    });

    it('is idempotent per asset, and releases a second orphaned asset hold of the same id', () => {
      spec.given([estimated, abandoned()]).when(abandon()).then([]);
      spec.given([estimated, abandoned()]).when(abandon('WUSD')).then([abandoned('WUSD')]);
      spec.given([estimated, abandoned(), abandoned('WUSD')]).when(abandon('WUSD')).then([]);
    });

    it('refuses a late execute of an abandoned id (estimate or fresh), 409 transfer_abandoned', () => {
      spec.given([estimated, abandoned()]).when(execute()).thenThrows('ErrorInvalidState', 'transfer_abandoned');
      spec.given([abandoned()]).when(fresh()).thenThrows('ErrorInvalidState', 'transfer_abandoned');
      // Another user's id is still only "not found" / a conflict: nothing about the abandon leaks.
      spec.given([estimated, abandoned()]).when(execute({ user_id: 'u-2' })).thenThrows('ErrorNotFound');
      const folded = [estimated, abandoned()].reduce(transferDecider.evolve, transferDecider.initialState());
      expect(folded).toMatchObject({ status: 'ABANDONED', estimate: { estimation_id: 'e-1' }, abandoned: { token_symbols: ['WEUR'], reason } });
      expect(() => transferDecider.decide({ type: 'RecordCryptoOut', data: {}, now }, folded)).toThrow(expect.objectContaining({ reason: 'ErrorNotFound' }));
    });
  });
});
