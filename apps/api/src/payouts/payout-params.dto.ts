import { IsUUID } from 'class-validator';

export class PayoutIdParam {
  @IsUUID()
  uuid!: string;
}
