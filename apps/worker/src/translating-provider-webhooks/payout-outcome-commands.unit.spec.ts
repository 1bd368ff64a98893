import { ProviderBankTransferEvent } from '@payments/providers/plaid';
import { ProviderPayoutEvent } from '@payments/providers';
import { payoutCommandForBankTransferEvent } from './bank-transfer-payout-commands';
import { payoutCommandForRailsEvent } from './payout-rails-events';

const now = new Date('2026-03-10T12:00:00Z');
const transferEvent = (type: ProviderBankTransferEvent['type'], failure: ProviderBankTransferEvent['failure'] = null): ProviderBankTransferEvent => ({
  eventId: 1,
  type,
  bankTransferId: 'bt-1',
  accountId: 'acc',
  transferType: 'credit',
  amountMinor: 4000n,
  currency: 'USD',
  occurredAt: now.toISOString(),
  failure,
});
const railsEvent = (type: ProviderPayoutEvent['type'], failure: ProviderPayoutEvent['failure'] = null): ProviderPayoutEvent => ({
  eventId: 1,
  type,
  payoutId: 'po-1',
  rail: 'SEPA',
  amountMinor: 100n,
  currency: 'EUR',
  occurredAt: now.toISOString(),
  failure,
});

describe('provider outcomes of a payout', () => {
  it('bank transfer events: POSTED settles, FAILED fails with the return code, REVERSED returns, CANCELLED fails, PENDING changes nothing', () => {
    expect(payoutCommandForBankTransferEvent(transferEvent('PENDING'), now)).toBeUndefined();
    expect(payoutCommandForBankTransferEvent(transferEvent('POSTED'), now)).toEqual({ type: 'MarkSettled', data: {}, now });
    expect(payoutCommandForBankTransferEvent(transferEvent('FAILED', { achReturnCode: 'R03', description: 'No account' }), now)).toEqual({
      type: 'MarkFailed',
      data: { reason: { code: 'R03', description: 'No account' } },
      now,
    });
    expect(payoutCommandForBankTransferEvent(transferEvent('REVERSED', { achReturnCode: null, description: null }), now)).toMatchObject({
      type: 'MarkReturned',
      data: { reason: { code: 'REVERSED' } },
    });
    expect(payoutCommandForBankTransferEvent(transferEvent('CANCELLED'), now)).toMatchObject({ type: 'MarkFailed', data: { reason: { code: 'CANCELLED' } } });
  });

  it('payment rails events: SETTLED settles, FAILED and RETURNED carry the scheme reason, PENDING changes nothing', () => {
    expect(payoutCommandForRailsEvent(railsEvent('PENDING'), now)).toBeUndefined();
    expect(payoutCommandForRailsEvent(railsEvent('SETTLED'), now)).toEqual({ type: 'MarkSettled', data: {}, now });
    expect(payoutCommandForRailsEvent(railsEvent('FAILED', { code: 'AC01', description: 'Incorrect account number' }), now)).toEqual({
      type: 'MarkFailed',
      data: { reason: { code: 'AC01', description: 'Incorrect account number' } },
      now,
    });
    expect(payoutCommandForRailsEvent(railsEvent('RETURNED', { code: null, description: null }), now)).toMatchObject({ type: 'MarkReturned', data: { reason: { code: 'RETURNED' } } });
  });
});
