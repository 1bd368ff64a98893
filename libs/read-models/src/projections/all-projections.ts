import { Projection } from './projection';
import { customersProjection } from '../customers/customers.projection';
import { bankLinksProjection } from '../bank-links/bank-links.projection';
import { achPullsProjection } from '../ach-pulls/ach-pulls.projection';
import { accountsProjection } from '../accounts/accounts.projection';
import { recipientsProjection } from '../recipients/recipients.projection';
import { accountBalancesProjection } from '../account-balances/account-balances.projection';
import { ledgerProjection } from '../ledger/ledger.projection';
import { payoutsProjection } from '../payouts/payouts.projection';
import { remittancesProjection } from '../remittances/remittances.projection';
import { assetLedgerProjection } from '../asset-ledger/asset-ledger.projection';

/** Every projection the worker runs and `ops projections rebuild <name>` can rebuild. */
export const ALL_PROJECTIONS: Projection[] = [customersProjection, bankLinksProjection, achPullsProjection, accountsProjection, accountBalancesProjection, ledgerProjection, recipientsProjection, payoutsProjection, assetLedgerProjection, remittancesProjection];

export function projectionByName(name: string): Projection | undefined {
  return ALL_PROJECTIONS.find((p) => p.name === name);
}
