import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import {
  accountDecider,
  AccountCurrency,
  accountStreamId,
  checkPayoutRequest,
  DomainError,
  formatMinor,
  loadPayoutRecipient,
  parsePayoutMoney,
  payoutDecider,
  payoutStreamId,
  RequestPayoutData,
} from '@payments/domain';
import { CommandContext, CommandProcessor, deterministicUuid, newUuid } from '@payments/event-store';
import { commandContextFrom, HttpRequestContext } from '../../shared/command-context';
import { RequestPayoutRequest, RequestPayoutResponse } from './request-payout.dto';

export class RequestPayoutCommand {
  constructor(
    readonly userId: string,
    readonly body: RequestPayoutRequest,
    readonly ctx: HttpRequestContext,
  ) {}
}

/**
 * POST /user/payouts. The Account is the consistency boundary, so the funds are held FIRST (movement id = payout id):
 * insufficient funds refuse the request with nothing held and nothing on the payout stream. Then PayoutRequested is
 * appended; the worker submits it to the rail.
 *
 * A crash between the two leaves a hold without a payout (an orphan). With an Idempotency-Key the payout id is derived
 * from the key, so the client's retry finds its own hold (PlaceHold repeats as a no-op) and completes the request;
 * without one, or when the client never retries, the worker's orphan-hold sweep abandons the id after a grace period
 * and releases the hold (PayoutOrphanSweep). A retry after that sweep is refused (409 payout_abandoned), never
 * half-applied.
 */
@CommandHandler(RequestPayoutCommand)
export class RequestPayoutHandler implements ICommandHandler<RequestPayoutCommand, RequestPayoutResponse> {
  constructor(private readonly commands: CommandProcessor) {}

  async execute({ userId, body, ctx }: RequestPayoutCommand): Promise<RequestPayoutResponse> {
    const amount = parsePayoutMoney(body.amount, body.currency);
    const currency = amount.currency as AccountCurrency;
    const recipient = await loadPayoutRecipient(this.commands, userId, body.recipient_uuid);
    const context = commandContextFrom(ctx, 'payout');
    const payoutId = context.eventIdSeed ? deterministicUuid(`${context.eventIdSeed}:payout-id`) : newUuid();
    const request: RequestPayoutData = {
      payout_id: payoutId,
      user_id: userId,
      amount,
      recipient: { recipient_id: recipient.recipient_id, user_id: recipient.user_id, currency: recipient.currency },
      // Whether the account exists is learnt from the hold itself (no extra read of a possibly long account stream).
      account_currencies: [currency],
      ...(body.reference !== undefined ? { reference: body.reference } : {}),
    };
    checkPayoutRequest(request);

    await this.hold(userId, currency, payoutId, request, context);
    // A fresh id: decided without reading a stream that cannot exist yet (a keyed retry still reads; see expectNewStream).
    const result = await this.commands.execute(payoutStreamId(payoutId), payoutDecider, { type: 'RequestPayout', data: request, now: this.commands.now() }, context, {
      expectNewStream: true,
    });
    const state = result.state;
    if (state.status === 'NONE' || state.status === 'ABANDONED') throw new Error(`payout ${payoutId} not requested after RequestPayout`);
    const requested = state.request;
    return {
      uuid: payoutId,
      status: state.status,
      amount: formatMinor(BigInt(requested.amount_minor), requested.currency),
      currency: requested.currency,
      recipient_uuid: requested.recipient_id,
      rail: requested.rail,
      expected_settlement: requested.expected_settlement,
      created_at: requested.requested_at,
    };
  }

  private async hold(userId: string, currency: AccountCurrency, payoutId: string, request: RequestPayoutData, context: CommandContext): Promise<void> {
    let held;
    try {
      held = await this.commands.execute(
        accountStreamId(userId, currency),
        accountDecider,
        { type: 'PlaceHold', data: { movement_id: payoutId, purpose: 'PAYOUT', amount: request.amount }, now: this.commands.now() },
        { ...context, ...(context.eventIdSeed ? { eventIdSeed: `${context.eventIdSeed}:hold` } : {}) },
      );
    } catch (error) {
      if (error instanceof DomainError && error.reason === 'ErrorNotFound') {
        // No account in this currency: the payout rule's own error (nothing was held).
        checkPayoutRequest({ ...request, account_currencies: [] });
      }
      throw error;
    }
    const hold = held.state.status === 'OPEN' ? held.state.holds.get(payoutId) : undefined;
    if (hold?.status === 'RELEASED') {
      throw DomainError.invalidState('this payout request was abandoned (it did not complete in time) and its hold released; send a new request', 'payout_abandoned');
    }
  }
}
