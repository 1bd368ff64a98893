/**
 * Typed domain errors in the seed's error vocabulary (ach-bank-transfer-estimate-execute.txt,
 * "Error Response Format"). The HTTP status for each category is mapped in one place at the edge.
 */
export type ErrorReason =
  | 'ErrorMissingField'
  | 'ErrorInvalidField'
  | 'ErrorUnknownField'
  | 'ErrorNotFound'
  | 'ErrorNotSupported'
  /** A feature switched off by configuration (e.g. remittance while REMITTANCE_ENABLED is false). */
  | 'ErrorNotEnabled'
  | 'ErrorNotEligible'
  | 'ErrorAlreadyExists'
  | 'ErrorInvalidState'
  | 'ErrorInsufficientFunds'
  | 'ErrorUnauthorized'
  | 'ErrorForbidden'
  | 'ErrorIdempotencyKeyReused'
  | 'ErrorIdempotencyKeyInFlight'
  | 'ErrorConcurrencyConflict'
  | 'ErrorProvider'
  | 'ErrorInternal';

export type ErrorCategory =
  | 'CategoryValidationFailure'
  | 'CategoryNotFound'
  | 'CategoryConflict'
  | 'CategoryUnprocessable'
  | 'CategoryUnauthorized'
  | 'CategoryForbidden'
  | 'CategoryProviderFailure'
  | 'CategoryInternal';

export interface ErrorDetail {
  key: string;
  details: string;
}

export class DomainError extends Error {
  override readonly name = 'DomainError';
  constructor(
    readonly reason: ErrorReason,
    readonly description: string,
    readonly category: ErrorCategory,
    readonly details: ErrorDetail[] = [],
  ) {
    super(description);
  }

  static missingField(field: string, issue = 'required'): DomainError {
    return new DomainError('ErrorMissingField', `${field.replace(/_/g, ' ')} is required`, 'CategoryValidationFailure', [
      { key: 'field', details: field },
      { key: 'issue', details: issue },
    ]);
  }

  static invalidField(field: string, issue: string, description?: string): DomainError {
    return new DomainError('ErrorInvalidField', description ?? `${field.replace(/_/g, ' ')} is invalid`, 'CategoryValidationFailure', [
      { key: 'field', details: field },
      { key: 'issue', details: issue },
    ]);
  }

  static notFound(what: string, field?: string): DomainError {
    return new DomainError('ErrorNotFound', `${what} not found`, 'CategoryNotFound', field ? [{ key: 'field', details: field }] : []);
  }

  /** The request is well formed but the resource's state does not allow it (e.g. relink before unlink). */
  static invalidState(description: string, issue: string): DomainError {
    return new DomainError('ErrorInvalidState', description, 'CategoryConflict', [{ key: 'issue', details: issue }]);
  }

  /** The user is not eligible for the operation (e.g. not FULL_USER, not an individual). */
  static notEligible(description: string, issue: string): DomainError {
    return new DomainError('ErrorNotEligible', description, 'CategoryUnprocessable', [{ key: 'issue', details: issue }]);
  }
}
