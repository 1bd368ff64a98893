import { Inject, Injectable } from '@nestjs/common';
import { newLinkSessionId, newLinkToken, newRequestId } from '../common/ids';
import { PlaidApiException } from '../common/plaid-api.exception';
import { ResolvedSandboxOptions, SANDBOX_OPTIONS } from '../common/sandbox-options';
import { DEFAULT_INSTITUTION_ID, findInstitution } from '../items/institutions';
import { ItemStore } from '../items/item.store';
import { WebhookDeliveryResult, WebhookDispatcher } from '../webhooks/webhook-dispatcher';
import { linkExitError } from './link-exit-errors';
import { LinkSession, LinkSessionStore } from './link-session.store';
import { LinkCompleteDto, LinkTokenCreateDto } from './link.dto';

/** Plaid timestamps carry whole seconds: 2020-03-27T12:56:34Z. */
const plaidTime = (date: Date): string => date.toISOString().replace(/\.\d{3}Z$/, 'Z');

export interface LinkCompleteResponse {
  request_id: string;
  link_session_id: string;
  public_token?: string;
  /** null when no webhook URL was given at /link/token/create. */
  webhook: WebhookDeliveryResult | null;
}

@Injectable()
export class LinkService {
  constructor(
    @Inject(SANDBOX_OPTIONS) private readonly options: ResolvedSandboxOptions,
    private readonly sessions: LinkSessionStore,
    private readonly items: ItemStore,
    private readonly webhooks: WebhookDispatcher,
  ) {}

  createLinkToken(dto: LinkTokenCreateDto, baseUrl: string): Record<string, unknown> {
    const now = this.options.clock.now();
    const ttlSeconds = Math.min(this.options.linkTokenTtlSeconds, dto.hosted_link?.url_lifetime_seconds ?? Number.POSITIVE_INFINITY);
    const session: LinkSession = {
      linkToken: newLinkToken(),
      linkSessionId: newLinkSessionId(),
      clientName: dto.client_name,
      clientUserId: dto.user.client_user_id,
      products: dto.products ?? [],
      webhook: dto.webhook ?? null,
      completionRedirectUri: dto.hosted_link?.completion_redirect_uri ?? null,
      createdAt: now,
      expiresAt: new Date(now.getTime() + ttlSeconds * 1000),
      status: 'OPEN',
    };
    this.sessions.add(session);
    return {
      link_token: session.linkToken,
      expiration: plaidTime(session.expiresAt),
      request_id: newRequestId(),
      ...(dto.hosted_link ? { hosted_link_url: `${baseUrl}/link?token=${encodeURIComponent(session.linkToken)}` } : {}),
    };
  }

  /** The session behind the Link page (throws INVALID_LINK_TOKEN when it cannot be completed). */
  openSession(linkToken: string): LinkSession {
    return this.sessions.open(linkToken, this.options.clock.now());
  }

  /**
   * Ends the session: on success an Item and a public token are created. Either way the LINK /
   * SESSION_FINISHED webhook is sent (signed) and the answer reports the first delivery attempt.
   */
  async complete(dto: LinkCompleteDto): Promise<LinkCompleteResponse> {
    const now = this.options.clock.now();
    if (dto.outcome === 'success' && (dto.error_code !== undefined || dto.error_message !== undefined)) {
      throw PlaidApiException.invalidField('error_code and error_message are only allowed with outcome "failure"');
    }
    const session = this.sessions.open(dto.link_token, now);
    const institution = dto.outcome === 'success' ? findInstitution(dto.institution_id ?? DEFAULT_INSTITUTION_ID) : undefined;
    if (dto.outcome === 'success' && !institution) throw PlaidApiException.invalidInstitution();

    // No await between open() and finish(): a concurrent second completion sees the session finished.
    let publicToken: string | undefined;
    if (institution) {
      this.sessions.finish(session, 'SUCCESS');
      const item = this.items.createItem(institution, session.webhook, session.products, now);
      publicToken = this.items.issuePublicToken(item.item_id, now);
    } else {
      this.sessions.finish(session, 'EXITED');
    }

    const payload: Record<string, unknown> = {
      webhook_type: 'LINK',
      webhook_code: 'SESSION_FINISHED',
      status: publicToken ? 'SUCCESS' : 'EXITED',
      link_session_id: session.linkSessionId,
      link_token: session.linkToken,
      public_tokens: publicToken ? [publicToken] : [],
      environment: 'sandbox',
      // Sandbox extension (not in Plaid's documented SESSION_FINISHED fields): why an EXITED session failed,
      // in Plaid's error object shape.
      ...(publicToken ? {} : { error: linkExitError(dto.error_code, dto.error_message) }),
    };
    const webhook = session.webhook ? await this.webhooks.send(session.webhook, payload) : null;
    return {
      request_id: newRequestId(),
      link_session_id: session.linkSessionId,
      ...(publicToken ? { public_token: publicToken } : {}),
      webhook,
    };
  }
}
