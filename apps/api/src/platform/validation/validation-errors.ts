import { ValidationPipe, ValidationPipeOptions } from '@nestjs/common';
import { DomainError, ErrorDetail, ErrorReason } from '@payments/domain';
import type { ValidationError } from 'class-validator';

export interface FieldProblem {
  reason: Extract<ErrorReason, 'ErrorMissingField' | 'ErrorUnknownField' | 'ErrorInvalidField'>;
  field: string;
  issue: string;
  description: string;
}

const TYPE_CONSTRAINTS = new Set([
  'isString',
  'isInt',
  'isNumber',
  'isBoolean',
  'isObject',
  'isArray',
  'isDate',
  'nestedValidation',
  'isNumberString',
  'isBooleanString',
]);

const ISSUE_BY_CONSTRAINT: Record<string, string> = {
  isIn: 'must_be_one_of',
  isEnum: 'must_be_one_of',
  equals: 'must_be_one_of',
  isISO4217CurrencyCode: 'must_be_one_of',
  maxLength: 'too_long',
  minLength: 'too_short',
  length: 'length',
  arrayMaxSize: 'too_many',
  arrayMinSize: 'too_few',
  arrayNotEmpty: 'empty',
  isNotEmpty: 'empty',
  max: 'too_large',
  min: 'too_small',
  isPositive: 'must_be_positive',
  matches: 'format',
  isUUID: 'format',
  isEmail: 'format',
  isIP: 'format',
  isUrl: 'format',
  isDateString: 'format',
  isISO8601: 'format',
};

const snake = (name: string) => name.replace(/([a-z0-9])([A-Z])/g, '$1_$2').toLowerCase();
const spaced = (path: string) => path.replace(/_/g, ' ');

/** A DTO can name the issue itself: `@ValidateIf(...) @IsDefined({ context: { issue: 'required_for_ach' } })`. */
function contextIssue(error: ValidationError): string | undefined {
  for (const context of Object.values(error.contexts ?? {})) {
    const issue = (context as { issue?: unknown } | undefined)?.issue;
    if (typeof issue === 'string') return issue;
  }
  return undefined;
}

function classify(error: ValidationError, path: string): FieldProblem {
  const constraints = error.constraints ?? {};
  const names = Object.keys(constraints);
  if (names.includes('whitelistValidation')) {
    return { reason: 'ErrorUnknownField', field: path, issue: 'not_allowed', description: `${path} is not allowed` };
  }
  if (error.value === undefined || error.value === null) {
    return { reason: 'ErrorMissingField', field: path, issue: contextIssue(error) ?? 'required', description: `${spaced(path)} is required` };
  }
  const typeConstraint = names.find((n) => TYPE_CONSTRAINTS.has(n));
  const chosen = typeConstraint ?? names.find((n) => ISSUE_BY_CONSTRAINT[n]) ?? names[0];
  const issue = contextIssue(error) ?? (typeConstraint ? 'type' : (ISSUE_BY_CONSTRAINT[chosen] ?? snake(chosen)));
  const message = constraints[chosen] ?? `${error.property} is invalid`;
  const description = message.startsWith(`${error.property} `) ? `${path}${message.slice(error.property.length)}` : `${path}: ${message}`;
  return { reason: 'ErrorInvalidField', field: path, issue, description };
}

/** Every problem in a class-validator error tree, nested paths dotted (recipient_account.legal_address). */
export function flattenValidationErrors(errors: ValidationError[], parent = ''): FieldProblem[] {
  const problems: FieldProblem[] = [];
  for (const error of errors) {
    const path = parent ? `${parent}.${error.property}` : error.property || 'body';
    if (error.constraints && Object.keys(error.constraints).length > 0) problems.push(classify(error, path));
    if (error.children && error.children.length > 0) problems.push(...flattenValidationErrors(error.children, path));
  }
  return problems;
}

/** ONE DomainError listing every bad field as {field, issue} pairs; its reason is that of the first problem. */
export function validationErrorsToDomainError(errors: ValidationError[]): DomainError {
  const problems = flattenValidationErrors(errors);
  if (problems.length === 0) return DomainError.invalidField('body', 'invalid', 'The request body is invalid');
  const details: ErrorDetail[] = problems.flatMap((p) => [
    { key: 'field', details: p.field },
    { key: 'issue', details: p.issue },
  ]);
  return new DomainError(problems[0].reason, problems.map((p) => p.description).join('; '), 'CategoryValidationFailure', details);
}

export const VALIDATION_PIPE_OPTIONS: ValidationPipeOptions = {
  whitelist: true,
  forbidNonWhitelisted: true,
  transform: true,
  stopAtFirstError: false,
  validationError: { target: false, value: true },
  exceptionFactory: (errors) => validationErrorsToDomainError(errors),
};

/** The global pipe: whitelist + forbidNonWhitelisted + transform, errors in the seed's shape. */
export function createValidationPipe(): ValidationPipe {
  return new ValidationPipe(VALIDATION_PIPE_OPTIONS);
}
