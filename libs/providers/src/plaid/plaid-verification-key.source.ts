import { JWKPublicKey, PlaidApi } from 'plaid';
import { toProviderError } from './plaid-error.mapper';

/** Where the verifier gets webhook verification keys (JWKs) by key id. */
export interface WebhookVerificationKeySource {
  /**
   * The JWK for `kid`, or `null` when the provider says no such key exists.
   * Throws for transport/provider failures (the verifier then reports `key_unavailable`).
   */
  fetchKey(kid: string): Promise<JWKPublicKey | null>;
}

/** Fetches keys through the SDK's `webhookVerificationKeyGet` (`POST /webhook_verification_key/get`). */
export class PlaidVerificationKeySource implements WebhookVerificationKeySource {
  constructor(private readonly plaid: PlaidApi) {}

  async fetchKey(kid: string): Promise<JWKPublicKey | null> {
    try {
      const response = await this.plaid.webhookVerificationKeyGet({ key_id: kid });
      return response.data.key;
    } catch (err) {
      const error = toProviderError(err, 'webhook_verification_key/get');
      if (error.code === 'INVALID_WEBHOOK_VERIFICATION_KEY_ID') return null;
      throw error;
    }
  }
}
