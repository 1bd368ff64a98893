import { Decider, DomainEvent, fold } from '../shared/decider';
import { loadPayoutRecipient, StreamLoader } from './payout-recipient';
import { SealedRecipientAccount } from './recipient-account';
import { RecipientEvent } from './recipient.decider';
import { RecipientIndexEvent } from './recipient-index.decider';

/** Streams in memory, folded like the event store's CommandProcessor.load does. */
function streams(contents: Record<string, DomainEvent[]>): StreamLoader {
  return {
    async load<S, C, E extends DomainEvent>(streamId: string, decider: Decider<S, C, E>) {
      return { state: fold(decider, (contents[streamId] ?? []) as E[]) };
    },
  };
}

const account: SealedRecipientAccount = { currency: 'EUR', transfer_method: 'SEPA', iban: { ciphertext: 'v1.x.y.z', last4: '3000' } };
const added = (recipient_id: string, user_id = 'u1'): RecipientEvent => ({
  type: 'RecipientAdded',
  data: { recipient_id, user_id, account_name: `Account ${recipient_id}`, account, fingerprint: `fp-${recipient_id}`, added_at: '2026-01-01T00:00:00.000Z' },
});
const index = (...events: RecipientIndexEvent[]) => events;
const registered = (recipient_id: string): RecipientIndexEvent => ({
  type: 'RecipientRegistered',
  data: { user_id: 'u1', recipient_id, fingerprint: `fp-${recipient_id}`, registered_at: '2026-01-01T00:00:00.000Z' },
});
const madeDefault = (recipient_id: string): RecipientIndexEvent => ({ type: 'DefaultRecipientChanged', data: { user_id: 'u1', recipient_id, previous_recipient_id: null } });

describe('loadPayoutRecipient', () => {
  const store = streams({
    'recipients-u1': index(registered('r1'), registered('r2'), madeDefault('r2')),
    'recipient-r1': [added('r1')],
    'recipient-r2': [added('r2')],
    'recipient-r3': [added('r3'), { type: 'RecipientRemoved', data: { recipient_id: 'r3', user_id: 'u1', removed_at: '2026-01-02T00:00:00.000Z' } }],
    'recipient-r9': [added('r9', 'u9')],
  });

  it('loads the named recipient with its sealed account and whether it is the default', async () => {
    expect(await loadPayoutRecipient(store, 'u1', 'r1')).toEqual({
      recipient_id: 'r1',
      user_id: 'u1',
      account_name: 'Account r1',
      currency: 'EUR',
      transfer_method: 'SEPA',
      account,
      is_default: false,
    });
  });

  it('loads the default recipient when none is named', async () => {
    expect(await loadPayoutRecipient(store, 'u1')).toMatchObject({ recipient_id: 'r2', is_default: true });
  });

  it('answers not found for a removed recipient, another user\'s recipient and an unknown one', async () => {
    for (const id of ['r3', 'r9', 'r404']) {
      await expect(loadPayoutRecipient(store, 'u1', id)).rejects.toMatchObject({
        reason: 'ErrorNotFound',
        details: expect.arrayContaining([{ key: 'field', details: 'recipient_uuid' }]),
      });
    }
  });

  it('refuses to guess when the user has no default (or the default was just removed)', async () => {
    const none = streams({ 'recipients-u1': index(registered('r1')), 'recipient-r1': [added('r1')] });
    const noDefault = { reason: 'ErrorNotEligible', details: [{ key: 'issue', details: 'no_default_recipient' }] };
    await expect(loadPayoutRecipient(none, 'u1')).rejects.toMatchObject(noDefault);
    const removedDefault = streams({
      'recipients-u1': index(registered('r3'), madeDefault('r3')),
      'recipient-r3': [added('r3'), { type: 'RecipientRemoved', data: { recipient_id: 'r3', user_id: 'u1', removed_at: '2026-01-02T00:00:00.000Z' } }],
    });
    await expect(loadPayoutRecipient(removedDefault, 'u1')).rejects.toMatchObject(noDefault);
  });

  describe('reading the index and the recipient together', () => {
    /** The same streams with loadBoth, counting reads; `remembered` is what peek() says the default was. */
    function pairedStreams(contents: Record<string, DomainEvent[]>, remembered: string | null) {
      const reads: string[] = [];
      const base = streams(contents);
      const loader: StreamLoader = {
        async load(streamId, decider) {
          reads.push(streamId);
          return base.load(streamId, decider);
        },
        async loadBoth(first, second) {
          reads.push(`${first.streamId}+${second.streamId}`);
          return [await base.load(first.streamId, first.decider), await base.load(second.streamId, second.decider)];
        },
        peek<S>() {
          return (remembered === null ? undefined : { defaultRecipientId: remembered }) as S | undefined;
        },
      };
      return { loader, reads };
    }
    const contents = {
      'recipients-u1': index(registered('r1'), registered('r2'), madeDefault('r2')),
      'recipient-r1': [added('r1')],
      'recipient-r2': [added('r2')],
    };

    it('one read for a named recipient, and one for the default this process remembers', async () => {
      const named = pairedStreams(contents, null);
      expect(await loadPayoutRecipient(named.loader, 'u1', 'r1')).toMatchObject({ recipient_id: 'r1', is_default: false });
      expect(named.reads).toEqual(['recipients-u1+recipient-r1']);
      const remembered = pairedStreams(contents, 'r2');
      expect(await loadPayoutRecipient(remembered.loader, 'u1')).toMatchObject({ recipient_id: 'r2', is_default: true });
      expect(remembered.reads).toEqual(['recipients-u1+recipient-r2']);
    });

    it('a remembered default that changed meanwhile costs a second read and pays the current default', async () => {
      const stale = pairedStreams(contents, 'r1');
      expect(await loadPayoutRecipient(stale.loader, 'u1')).toMatchObject({ recipient_id: 'r2', is_default: true });
      expect(stale.reads).toEqual(['recipients-u1+recipient-r1', 'recipient-r2']);
    });
  });
});
