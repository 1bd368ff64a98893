import { IsDefined, IsInt, IsOptional, Max, Min } from 'class-validator';
import { PlaidRequestDto } from './plaid-request.dto';

/** The body of an `/event/sync` endpoint: events after `after_id` (required, ≥ 0), `count` 1-25 (default 25). */
export class EventSyncDto extends PlaidRequestDto {
  @IsDefined()
  @IsInt()
  @Min(0)
  after_id!: number;

  @IsOptional()
  @IsInt()
  @Min(1)
  @Max(25)
  count?: number | null;
}
