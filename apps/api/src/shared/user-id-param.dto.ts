import { Matches } from 'class-validator';

export const USER_ID_PATTERN = /^[A-Za-z0-9_-]{1,64}$/;

export class UserIdParam {
  @Matches(USER_ID_PATTERN, { message: 'user_id must be 1-64 letters, digits, _ or -' })
  user_id!: string;
}
