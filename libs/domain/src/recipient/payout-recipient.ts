import { Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { RecipientCurrency, SealedRecipientAccount, TransferMethod } from './recipient-account';
import { recipientDecider, recipientStreamId } from './recipient.decider';
import { recipientIndexDecider, recipientIndexStreamId } from './recipient-index.decider';

/** Reads a stream and folds it (the event-store CommandProcessor's `load` fits). */
export interface StreamLoader {
  load<S, C, E extends DomainEvent>(streamId: string, decider: Decider<S, C, E>): Promise<{ state: S }>;
  /** Two streams read together, in one snapshot (one round trip where the store allows it). */
  loadBoth?<S1, C1, E1 extends DomainEvent, S2, C2, E2 extends DomainEvent>(
    first: { streamId: string; decider: Decider<S1, C1, E1> },
    second: { streamId: string; decider: Decider<S2, C2, E2> },
  ): Promise<[{ state: S1 }, { state: S2 }]>;
  /** The state this process last saw of a stream, without reading it: possibly stale, so only ever a hint. */
  peek?<S, C, E extends DomainEvent>(streamId: string, decider: Decider<S, C, E>): S | undefined;
}

/** An active recipient of the user, as a payout needs it. The account stays sealed: see openRecipientAccount. */
export interface PayoutRecipient {
  recipient_id: string;
  user_id: string;
  account_name: string;
  currency: RecipientCurrency;
  transfer_method: TransferMethod;
  account: SealedRecipientAccount;
  is_default: boolean;
}

const noDefaultRecipient = (): DomainError =>
  DomainError.notEligible('the user has no default recipient; pass recipient_uuid or set a default (PATCH /user/bank-account/remote)', 'no_default_recipient');

/**
 * The recipient a payout goes to, from the event store (not a read model, so a recipient saved or removed a moment
 * ago is already seen): `recipientId`, or the user's default recipient when it is omitted.
 * Throws ErrorNotFound (field recipient_uuid) when the id is not an active recipient of this user, and
 * ErrorNotEligible `no_default_recipient` when it is omitted and the user has no default.
 */
export async function loadPayoutRecipient(streams: StreamLoader, userId: string, recipientId?: string): Promise<PayoutRecipient> {
  const indexStream = recipientIndexStreamId(userId);
  // Read the index and the recipient together when the recipient is known (asked for, or the default as this process
  // last saw it): one read. A guessed default that is no longer the default costs a second read, never a wrong answer.
  const guess = recipientId ?? streams.peek?.(indexStream, recipientIndexDecider)?.defaultRecipientId ?? null;
  let index;
  let recipient;
  if (guess !== null && streams.loadBoth) {
    const [indexRead, recipientRead] = await streams.loadBoth(
      { streamId: indexStream, decider: recipientIndexDecider },
      { streamId: recipientStreamId(guess), decider: recipientDecider },
    );
    index = indexRead.state;
    if ((recipientId ?? index.defaultRecipientId) === guess) recipient = recipientRead.state;
  } else {
    index = (await streams.load(indexStream, recipientIndexDecider)).state;
  }
  const id = recipientId ?? index.defaultRecipientId;
  if (id === null) {
    throw noDefaultRecipient();
  }
  recipient ??= (await streams.load(recipientStreamId(id), recipientDecider)).state;
  if (recipient.status !== 'ACTIVE' || recipient.userId !== userId) {
    if (recipientId === undefined) {
      // The default was removed a moment ago and its index entry is not released yet.
      throw noDefaultRecipient();
    }
    throw DomainError.notFound('recipient', 'recipient_uuid');
  }
  return {
    recipient_id: recipient.recipientId,
    user_id: recipient.userId,
    account_name: recipient.accountName,
    currency: recipient.account.currency,
    transfer_method: recipient.account.transfer_method,
    account: recipient.account,
    is_default: index.defaultRecipientId === recipient.recipientId,
  };
}
