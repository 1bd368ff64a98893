import { Type } from 'class-transformer';
import { IsDefined, IsIn, IsString, Matches, ValidateIf, ValidateNested } from 'class-validator';
import { BadRequestException } from '@nestjs/common';
import { DomainError } from '@payments/domain';
import { createValidationPipe } from './validation-errors';

class LegalAddress {
  @IsString() city!: string;
  @ValidateIf((o: LegalAddress) => o.country === 'US') @IsDefined({ context: { issue: 'required_for_us' } }) @IsString() state?: string;
  @IsIn(['US', 'GB']) country!: string;
}

class RecipientAccount {
  @Matches(/^\d{9}$/) routing_number!: string;
  @IsDefined({ context: { issue: 'required_for_ach' } }) @ValidateNested() @Type(() => LegalAddress) legal_address!: LegalAddress;
}

class Transfer {
  @IsDefined() @ValidateNested() @Type(() => RecipientAccount) recipient_account!: RecipientAccount;
}

async function reject(body: unknown): Promise<DomainError> {
  try {
    await createValidationPipe().transform(body, { type: 'body', metatype: Transfer });
  } catch (error) {
    expect(error).toBeInstanceOf(DomainError);
    expect(error).not.toBeInstanceOf(BadRequestException);
    return error as DomainError;
  }
  throw new Error('expected a validation error');
}

const pairs = (error: DomainError) => {
  const out: string[] = [];
  for (let i = 0; i < error.details.length; i += 2) out.push(`${error.details[i].details}:${error.details[i + 1].details}`);
  return out;
};

describe('validation errors → one DomainError in the seed vocabulary', () => {
  it('names nested fields by dotted path and uses the issue a DTO gives (seed example)', async () => {
    const error = await reject({ recipient_account: { routing_number: '123456789' } });
    expect(error.reason).toBe('ErrorMissingField');
    expect(error.category).toBe('CategoryValidationFailure');
    expect(error.details).toEqual([
      { key: 'field', details: 'recipient_account.legal_address' },
      { key: 'issue', details: 'required_for_ach' },
    ]);
    expect(error.description).toBe('recipient account.legal address is required');
  });

  it('lists every problem; the first one listed gives the reason', async () => {
    const error = await reject({ recipient_account: { routing_number: '12', legal_address: { country: 'US', zip: '1' } }, extra: 1 });
    expect(pairs(error)[0]).toBe('extra:not_allowed');
    expect(error.reason).toBe('ErrorUnknownField');
    expect(pairs(error).sort()).toEqual(
      [
        'extra:not_allowed',
        'recipient_account.routing_number:format',
        'recipient_account.legal_address.city:required',
        'recipient_account.legal_address.state:required_for_us',
        'recipient_account.legal_address.zip:not_allowed',
      ].sort(),
    );
    expect(error.description).toContain('recipient_account.routing_number must match');
    const invalidFirst = await reject({ recipient_account: { routing_number: 'abc', legal_address: { city: 'Leeds', country: 'GB' } } });
    expect(invalidFirst.reason).toBe('ErrorInvalidField');
    expect(pairs(invalidFirst)).toEqual(['recipient_account.routing_number:format']);
  });

  it('passes a valid body through transformed into the DTO class', async () => {
    const value = await createValidationPipe().transform(
      { recipient_account: { routing_number: '011000015', legal_address: { city: 'Leeds', country: 'GB' } } },
      { type: 'body', metatype: Transfer },
    );
    expect(value).toBeInstanceOf(Transfer);
    expect((value as Transfer).recipient_account).toBeInstanceOf(RecipientAccount);
  });
});
