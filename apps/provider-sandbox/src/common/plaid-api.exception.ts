/**
 * A Plaid-style API error (https://plaid.com/docs/errors/): the sandbox answers every failure with
 * `{ error_type, error_code, error_message, display_message, request_id }` and the matching HTTP status.
 */
export class PlaidApiException extends Error {
  constructor(
    readonly httpStatus: number,
    readonly errorType: string,
    readonly errorCode: string,
    readonly errorMessage: string,
    readonly displayMessage: string | null = null,
  ) {
    super(`${errorType}/${errorCode}: ${errorMessage}`);
  }

  static invalidApiKeys(): PlaidApiException {
    return new PlaidApiException(400, 'INVALID_INPUT', 'INVALID_API_KEYS', 'invalid client_id or secret provided');
  }
  static missingFields(fields: string[]): PlaidApiException {
    return new PlaidApiException(400, 'INVALID_REQUEST', 'MISSING_FIELDS', `the following required fields are missing: ${fields.join(', ')}`);
  }
  static unknownFields(fields: string[]): PlaidApiException {
    return new PlaidApiException(400, 'INVALID_REQUEST', 'UNKNOWN_FIELDS', `the following fields are not recognized by this endpoint: ${fields.join(', ')}`);
  }
  static invalidField(message: string): PlaidApiException {
    return new PlaidApiException(400, 'INVALID_REQUEST', 'INVALID_FIELD', message);
  }
  static invalidBody(message = 'body could not be parsed as JSON'): PlaidApiException {
    return new PlaidApiException(400, 'INVALID_REQUEST', 'INVALID_BODY', message);
  }
  static notFound(): PlaidApiException {
    return new PlaidApiException(404, 'INVALID_REQUEST', 'NOT_FOUND', 'not found');
  }
  static invalidLinkToken(message: string): PlaidApiException {
    return new PlaidApiException(400, 'INVALID_INPUT', 'INVALID_LINK_TOKEN', message);
  }
  static invalidPublicToken(message: string): PlaidApiException {
    return new PlaidApiException(400, 'INVALID_INPUT', 'INVALID_PUBLIC_TOKEN', message);
  }
  static invalidAccessToken(): PlaidApiException {
    return new PlaidApiException(400, 'INVALID_INPUT', 'INVALID_ACCESS_TOKEN', 'could not find matching access token');
  }
  static invalidInstitution(): PlaidApiException {
    return new PlaidApiException(400, 'INVALID_INPUT', 'INVALID_INSTITUTION', 'invalid institution_id provided');
  }
  static invalidWebhookVerificationKeyId(): PlaidApiException {
    return new PlaidApiException(400, 'INVALID_INPUT', 'INVALID_WEBHOOK_VERIFICATION_KEY_ID', 'invalid key_id provided');
  }
  static internal(): PlaidApiException {
    return new PlaidApiException(500, 'API_ERROR', 'INTERNAL_SERVER_ERROR', 'an unexpected error occurred', 'Internal error occurred');
  }
}
