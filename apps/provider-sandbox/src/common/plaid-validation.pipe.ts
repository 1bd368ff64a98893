import { ValidationError, ValidationPipe } from '@nestjs/common';
import { PlaidApiException } from './plaid-api.exception';

interface Leaf {
  path: string;
  value: unknown;
  constraints: Record<string, string>;
}

function leaves(errors: ValidationError[], prefix = ''): Leaf[] {
  return errors.flatMap((error) => {
    const path = error.property === undefined || error.property === '' ? prefix : prefix ? `${prefix}.${error.property}` : error.property;
    const own = error.constraints ? [{ path, value: error.value, constraints: error.constraints }] : [];
    return [...own, ...leaves(error.children ?? [], path)];
  });
}

/** class-validator failures as Plaid's INVALID_REQUEST errors: MISSING_FIELDS, UNKNOWN_FIELDS, INVALID_FIELD. */
export function plaidValidationError(errors: ValidationError[]): PlaidApiException {
  const all = leaves(errors);
  if (all.some((leaf) => 'unknownValue' in leaf.constraints)) return PlaidApiException.invalidBody('request body must be a JSON object');
  const missing = all.filter((leaf) => leaf.value === undefined && !('whitelistValidation' in leaf.constraints)).map((leaf) => leaf.path);
  if (missing.length > 0) return PlaidApiException.missingFields(missing);
  const unknown = all.filter((leaf) => 'whitelistValidation' in leaf.constraints).map((leaf) => leaf.path);
  if (unknown.length > 0) return PlaidApiException.unknownFields(unknown);
  const first = all[0];
  if (!first) return PlaidApiException.invalidBody();
  return PlaidApiException.invalidField(`${first.path}: ${Object.values(first.constraints)[0] ?? 'invalid value'}`);
}

export const plaidValidationPipe = (): ValidationPipe =>
  new ValidationPipe({
    whitelist: true,
    forbidNonWhitelisted: true,
    transform: true,
    exceptionFactory: (errors) => plaidValidationError(errors),
  });
