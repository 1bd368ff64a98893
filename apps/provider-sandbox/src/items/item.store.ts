import { Injectable } from '@nestjs/common';
import { newAccessToken, newAccountId, newItemId, newPublicToken } from '../common/ids';
import { PlaidApiException } from '../common/plaid-api.exception';
import { SandboxInstitution } from './institutions';

export interface SandboxAccount {
  account_id: string;
  name: string;
  official_name: string;
  mask: string;
  type: 'depository';
  subtype: 'checking';
  balances: { available: number; current: number; limit: null; iso_currency_code: 'USD'; unofficial_currency_code: null };
}

export interface SandboxItem {
  item_id: string;
  institution_id: string;
  institution_name: string;
  webhook: string | null;
  products: string[];
  accounts: SandboxAccount[];
  created_at: Date;
}

/** Plaid public tokens live 30 minutes and can be exchanged once. */
const PUBLIC_TOKEN_TTL_MS = 30 * 60 * 1000;

/**
 * Items, public tokens and access tokens. IN MEMORY ONLY: a sandbox restart forgets every item and token
 * (acceptable for a simulator; a persistent store can replace this class without touching controllers).
 */
@Injectable()
export class ItemStore {
  private readonly items = new Map<string, SandboxItem>();
  private readonly publicTokens = new Map<string, { itemId: string; expiresAt: number }>();
  private readonly accessTokens = new Map<string, string>();

  createItem(institution: SandboxInstitution, webhook: string | null, products: string[], now: Date): SandboxItem {
    const item: SandboxItem = {
      item_id: newItemId(),
      institution_id: institution.institution_id,
      institution_name: institution.name,
      webhook,
      products,
      created_at: now,
      accounts: [
        {
          account_id: newAccountId(),
          name: institution.account.name,
          official_name: institution.account.official_name,
          mask: institution.account.mask,
          type: 'depository',
          subtype: institution.account.subtype,
          balances: { ...institution.account.balances, limit: null, iso_currency_code: 'USD', unofficial_currency_code: null },
        },
      ],
    };
    this.items.set(item.item_id, item);
    return item;
  }

  issuePublicToken(itemId: string, now: Date): string {
    const token = newPublicToken();
    this.publicTokens.set(token, { itemId, expiresAt: now.getTime() + PUBLIC_TOKEN_TTL_MS });
    return token;
  }

  /** Single use: the public token is consumed whether or not it had expired. */
  exchangePublicToken(publicToken: string, now: Date): { accessToken: string; itemId: string } {
    const entry = this.publicTokens.get(publicToken);
    if (!entry) throw PlaidApiException.invalidPublicToken('could not find matching public token');
    this.publicTokens.delete(publicToken);
    if (entry.expiresAt <= now.getTime()) throw PlaidApiException.invalidPublicToken('public token has expired');
    const accessToken = newAccessToken();
    this.accessTokens.set(accessToken, entry.itemId);
    return { accessToken, itemId: entry.itemId };
  }

  itemForAccessToken(accessToken: string): SandboxItem {
    const itemId = this.accessTokens.get(accessToken);
    const item = itemId === undefined ? undefined : this.items.get(itemId);
    if (!item) throw PlaidApiException.invalidAccessToken();
    return item;
  }
}
