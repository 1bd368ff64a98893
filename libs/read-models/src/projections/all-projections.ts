import { Projection } from './projection';
import { customersProjection } from '../customers/customers.projection';
import { bankLinksProjection } from '../bank-links/bank-links.projection';

/** Every projection the worker runs and `ops projections rebuild <name>` can rebuild. */
export const ALL_PROJECTIONS: Projection[] = [customersProjection, bankLinksProjection];

export function projectionByName(name: string): Projection | undefined {
  return ALL_PROJECTIONS.find((p) => p.name === name);
}
