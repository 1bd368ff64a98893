import { IsUUID } from 'class-validator';
import { PageQuery } from '../shared/page-query.dto';

export class AchPullIdParam {
  @IsUUID()
  uuid!: string;
}

export class ListAchPullsQuery extends PageQuery {}
