import { Inject } from '@nestjs/common';
import { CommandHandler, ICommandHandler } from '@nestjs/cqrs';
import { assertCanRequestLink, bankLinkDecider, bankLinkStreamId, customerDecider, customerFacts, customerStreamId } from '@payments/domain';
import { CommandProcessor, deterministicUuid, newUuid } from '@payments/event-store';
import { PLAID_LINK } from '@payments/providers/nest/provider-tokens';
import { HttpRequestContext, commandContextFrom } from '../../shared/command-context';
import { BANK_LINKING_OPTIONS } from '@payments/infrastructure';
import { BankLinkingOptions, LinkTokenProvider } from '../bank-linking.ports';

export class RequestLinkCommand {
  constructor(
    readonly userId: string,
    readonly ctx: HttpRequestContext,
  ) {}
}

export interface RequestLinkResult {
  link_url: string;
  status: 'pending';
}

/**
 * PUT /user/linked-bank-account/link. Eligibility is checked before the provider is asked for a link token
 * (so an ineligible user costs no provider call), and again by the decider when the event is appended.
 */
@CommandHandler(RequestLinkCommand)
export class RequestLinkHandler implements ICommandHandler<RequestLinkCommand, RequestLinkResult> {
  constructor(
    private readonly commands: CommandProcessor,
    @Inject(PLAID_LINK) private readonly provider: LinkTokenProvider,
    @Inject(BANK_LINKING_OPTIONS) private readonly options: BankLinkingOptions,
  ) {}

  async execute({ userId, ctx }: RequestLinkCommand): Promise<RequestLinkResult> {
    const customer = customerFacts((await this.commands.load(customerStreamId(userId), customerDecider)).state);
    const link = await this.commands.load(bankLinkStreamId(userId), bankLinkDecider);
    assertCanRequestLink(link.state, customer);

    const token = await this.provider.createLinkToken({ userId, webhookUrl: this.options.webhookUrl, clientName: this.options.clientName });
    const context = commandContextFrom(ctx, 'request-link');
    const linkId = context.eventIdSeed ? deterministicUuid(`${context.eventIdSeed}:link-id`) : newUuid();
    const result = await this.commands.execute(
      bankLinkStreamId(userId),
      bankLinkDecider,
      {
        type: 'RequestLink',
        data: { link_id: linkId, user_id: userId, customer, link_token: token.linkToken, link_url: token.linkUrl, expires_at: token.expiration },
        now: this.commands.now(),
      },
      context,
    );
    const requested = result.events.find((e) => e.type === 'BankLinkRequested');
    const linkUrl = requested?.type === 'BankLinkRequested' ? requested.data.link_url : token.linkUrl;
    return { link_url: linkUrl, status: 'pending' };
  }
}
