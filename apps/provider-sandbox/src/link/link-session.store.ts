import { Injectable } from '@nestjs/common';
import { PlaidApiException } from '../common/plaid-api.exception';

export type LinkSessionStatus = 'OPEN' | 'SUCCESS' | 'EXITED';

export interface LinkSession {
  linkToken: string;
  linkSessionId: string;
  clientName: string;
  clientUserId: string;
  products: string[];
  webhook: string | null;
  completionRedirectUri: string | null;
  createdAt: Date;
  expiresAt: Date;
  status: LinkSessionStatus;
}

/**
 * Link tokens and their sessions. IN MEMORY ONLY (a restart forgets them); one store per product area.
 */
@Injectable()
export class LinkSessionStore {
  private readonly sessions = new Map<string, LinkSession>();

  add(session: LinkSession): void {
    this.sessions.set(session.linkToken, session);
  }

  /** The session for a token that can still be completed; otherwise Plaid's INVALID_LINK_TOKEN. */
  open(linkToken: string, now: Date): LinkSession {
    const session = this.sessions.get(linkToken);
    if (!session) throw PlaidApiException.invalidLinkToken('link token not found');
    if (session.status !== 'OPEN') throw PlaidApiException.invalidLinkToken('link token has already been used to complete a Link session');
    if (session.expiresAt.getTime() <= now.getTime()) throw PlaidApiException.invalidLinkToken('link token has expired');
    return session;
  }

  /** Synchronous on purpose: open() + finish() without an await in between cannot race. */
  finish(session: LinkSession, status: Exclude<LinkSessionStatus, 'OPEN'>): void {
    session.status = status;
  }
}
