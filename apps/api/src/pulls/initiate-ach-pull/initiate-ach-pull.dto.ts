import { ApiProperty } from '@nestjs/swagger';
import { IsDefined } from 'class-validator';

export class InitiateAchPullRequest {
  @ApiProperty({
    description: 'USD amount (major units, at most 2 decimals, at least 10.00), as a JSON number or a decimal string',
    oneOf: [{ type: 'number' }, { type: 'string' }],
    example: 25,
  })
  @IsDefined()
  amount!: unknown;
}

export class InitiateAchPullResponse {
  @ApiProperty() uuid!: string;
  @ApiProperty({ enum: ['PENDING'] }) status!: 'PENDING';
}
