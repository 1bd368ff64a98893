/**
 * Errors a sandbox Link session can end with (Plaid's ITEM_ERROR / INSTITUTION_ERROR codes and default
 * messages). Unknown codes are passed through as ITEM_ERROR.
 */
const KNOWN: Record<string, { type: 'ITEM_ERROR' | 'INSTITUTION_ERROR'; message: string; display: string | null }> = {
  INVALID_CREDENTIALS: {
    type: 'ITEM_ERROR',
    message: 'the provided credentials were not correct',
    display: 'The credentials you provided were incorrect: Check that your credentials are the same that you use for this institution',
  },
  INVALID_MFA: { type: 'ITEM_ERROR', message: 'the provided MFA response(s) were not correct', display: null },
  ITEM_LOCKED: { type: 'ITEM_ERROR', message: 'the account is locked. prompt the user to visit the institution\'s site and unlock their account', display: null },
  USER_SETUP_REQUIRED: { type: 'ITEM_ERROR', message: 'the account has not been fully set up. prompt the user to visit the issuing institution\'s site and finish the setup process', display: null },
  NO_ACCOUNTS: { type: 'ITEM_ERROR', message: 'no valid accounts were found for this item', display: null },
  INSTITUTION_DOWN: { type: 'INSTITUTION_ERROR', message: 'this institution is not currently responding to this request. please try again soon', display: null },
  INSTITUTION_NOT_RESPONDING: { type: 'INSTITUTION_ERROR', message: 'this institution is not currently responding to this request. please try again soon', display: null },
};

export const DEFAULT_EXIT_ERROR_CODE = 'INVALID_CREDENTIALS';

export interface LinkExitError {
  error_type: string;
  error_code: string;
  error_message: string;
  display_message: string | null;
}

export function linkExitError(errorCode: string | undefined, errorMessage: string | undefined): LinkExitError {
  const code = errorCode ?? DEFAULT_EXIT_ERROR_CODE;
  const known = KNOWN[code];
  return {
    error_type: known?.type ?? 'ITEM_ERROR',
    error_code: code,
    error_message: errorMessage ?? known?.message ?? 'the Link session ended with an error',
    display_message: known?.display ?? null,
  };
}
