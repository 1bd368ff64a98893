import { assertNever, CommandEnvelope, Decider, DomainEvent } from '../shared/decider';
import { DomainError } from '../shared/domain-error';
import { Capability, VerifiedName } from './capabilities';

export const CUSTOMER_TYPES = ['individual', 'joint', 'business'] as const;
export type CustomerType = (typeof CUSTOMER_TYPES)[number];

export const KYC_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type KycStatus = (typeof KYC_STATUSES)[number];

/** The user status the API reports; `FULL_USER` is the seed's "eligible" status. */
export type UserStatus = 'PENDING_KYC' | 'FULL_USER' | 'KYC_REJECTED';

export function userStatusOf(kyc: KycStatus): UserStatus {
  switch (kyc) {
    case 'approved':
      return 'FULL_USER';
    case 'pending':
      return 'PENDING_KYC';
    case 'rejected':
      return 'KYC_REJECTED';
    default:
      return assertNever(kyc, 'kyc status');
  }
}

export const customerStreamId = (userId: string): string => `customer-${userId}`;

export interface CustomerProfile {
  type: CustomerType;
  first_name: string;
  last_name: string;
  email?: string;
}

export type CustomerEvent =
  | DomainEvent<'CustomerRegistered', CustomerProfile & { customer_id: string; kyc_status: KycStatus }>
  | DomainEvent<'CustomerKycStatusChanged', { customer_id: string; kyc_status: KycStatus; previous: KycStatus; reason?: string }>
  | DomainEvent<'CustomerCapabilityGranted', { customer_id: string; capability: Capability; reason?: string }>
  | DomainEvent<'CustomerCapabilityRevoked', { customer_id: string; capability: Capability; reason?: string }>;

export type CustomerCommand =
  | CommandEnvelope<'RegisterCustomer', CustomerProfile & { customer_id: string }>
  | CommandEnvelope<'ChangeKycStatus', { customer_id: string; kyc_status: KycStatus; reason?: string }>
  | CommandEnvelope<'GrantCapability', { customer_id: string; capability: Capability; reason?: string }>
  | CommandEnvelope<'RevokeCapability', { customer_id: string; capability: Capability; reason?: string }>;

export type CustomerState =
  | { status: 'none' }
  | { status: 'registered'; customerId: string; profile: CustomerProfile; kyc: KycStatus; capabilities: readonly Capability[] };

function sameProfile(a: CustomerProfile, b: CustomerProfile): boolean {
  return a.type === b.type && a.first_name === b.first_name && a.last_name === b.last_name && (a.email ?? null) === (b.email ?? null);
}

export const customerDecider: Decider<CustomerState, CustomerCommand, CustomerEvent> = {
  initialState: () => ({ status: 'none' }),

  decide(command, state) {
    switch (command.type) {
      case 'RegisterCustomer': {
        const { customer_id, ...profile } = command.data;
        if (state.status === 'registered') {
          // "Create or ensure": the same profile again is a no-op; a different one is a conflict.
          if (sameProfile(state.profile, profile)) return [];
          throw new DomainError('ErrorAlreadyExists', 'a profile already exists for this user with different details', 'CategoryConflict', [
            { key: 'issue', details: 'profile_exists' },
          ]);
        }
        return [{ type: 'CustomerRegistered', data: { customer_id, ...profile, kyc_status: 'pending' } }];
      }
      case 'ChangeKycStatus': {
        if (state.status !== 'registered') throw DomainError.notFound('customer', 'user_id');
        if (state.kyc === command.data.kyc_status) return [];
        return [
          {
            type: 'CustomerKycStatusChanged',
            data: {
              customer_id: state.customerId,
              kyc_status: command.data.kyc_status,
              previous: state.kyc,
              ...(command.data.reason ? { reason: command.data.reason } : {}),
            },
          },
        ];
      }
      case 'GrantCapability':
      case 'RevokeCapability': {
        if (state.status !== 'registered') throw DomainError.notFound('customer', 'user_id');
        const { capability, reason } = command.data;
        const granting = command.type === 'GrantCapability';
        // Granting what is held, or revoking what is not, is a no-op (safe to retry).
        if (state.capabilities.includes(capability) === granting) return [];
        const data = { customer_id: state.customerId, capability, ...(reason ? { reason } : {}) };
        return [granting ? { type: 'CustomerCapabilityGranted', data } : { type: 'CustomerCapabilityRevoked', data }];
      }
      default:
        return assertNever(command, 'customer command');
    }
  },

  evolve(state, event) {
    switch (event.type) {
      case 'CustomerRegistered': {
        const { customer_id, kyc_status, ...profile } = event.data;
        return { status: 'registered', customerId: customer_id, profile, kyc: kyc_status, capabilities: [] };
      }
      case 'CustomerKycStatusChanged':
        return state.status === 'registered' ? { ...state, kyc: event.data.kyc_status } : state;
      case 'CustomerCapabilityGranted':
        return state.status === 'registered' ? { ...state, capabilities: [...state.capabilities.filter((c) => c !== event.data.capability), event.data.capability] } : state;
      case 'CustomerCapabilityRevoked':
        return state.status === 'registered' ? { ...state, capabilities: state.capabilities.filter((c) => c !== event.data.capability) } : state;
      default:
        return assertNever(event, 'customer event');
    }
  },
};

/** What other aggregates need to know about a customer to decide eligibility. */
export interface CustomerFacts {
  exists: boolean;
  type?: CustomerType;
  userStatus?: UserStatus;
  /** The KYC-verified name: the profile's name once KYC is approved, otherwise null. */
  verifiedName?: VerifiedName | null;
  capabilities?: readonly Capability[];
}

export function customerFacts(state: CustomerState): CustomerFacts {
  return state.status === 'registered'
    ? {
        exists: true,
        type: state.profile.type,
        userStatus: userStatusOf(state.kyc),
        verifiedName: state.kyc === 'approved' ? { first_name: state.profile.first_name, last_name: state.profile.last_name } : null,
        capabilities: state.capabilities,
      }
    : { exists: false };
}
