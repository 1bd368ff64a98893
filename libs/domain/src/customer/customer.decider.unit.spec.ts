import { customerDecider, CustomerEvent, customerFacts, userStatusOf } from './customer.decider';
import { deciderSpec } from '../testing/decider-spec';

const now = new Date('2026-01-02T03:04:05Z');
const spec = deciderSpec(customerDecider);
const profile = { type: 'individual' as const, first_name: 'Alex', last_name: 'Grey', email: 'alex@example.com' };
const registered: CustomerEvent = { type: 'CustomerRegistered', data: { customer_id: 'u1', ...profile, kyc_status: 'pending' } };

describe('Customer decider', () => {
  it('registers a new customer with KYC pending', () => {
    spec.given([]).when({ type: 'RegisterCustomer', data: { customer_id: 'u1', ...profile }, now }).then([registered]);
  });

  it('treats registering the same profile again as a no-op (create-or-ensure)', () => {
    spec.given([registered]).when({ type: 'RegisterCustomer', data: { customer_id: 'u1', ...profile }, now }).then([]);
  });

  it('refuses a second profile with different details', () => {
    spec
      .given([registered])
      .when({ type: 'RegisterCustomer', data: { customer_id: 'u1', ...profile, type: 'business' }, now })
      .thenThrows('ErrorAlreadyExists', 'profile_exists');
  });

  it('changes KYC status and records the previous one', () => {
    spec
      .given([registered])
      .when({ type: 'ChangeKycStatus', data: { customer_id: 'u1', kyc_status: 'approved' }, now })
      .then([{ type: 'CustomerKycStatusChanged', data: { customer_id: 'u1', kyc_status: 'approved', previous: 'pending' } }]);
  });

  it('does not repeat a KYC status the customer already has', () => {
    spec.given([registered]).when({ type: 'ChangeKycStatus', data: { customer_id: 'u1', kyc_status: 'pending' }, now }).then([]);
  });

  it('cannot change KYC of an unknown customer', () => {
    spec.given([]).when({ type: 'ChangeKycStatus', data: { customer_id: 'u1', kyc_status: 'approved' }, now }).thenThrows('ErrorNotFound');
  });

  it('reports FULL_USER only for approved KYC', () => {
    expect([userStatusOf('approved'), userStatusOf('pending'), userStatusOf('rejected')]).toEqual(['FULL_USER', 'PENDING_KYC', 'KYC_REJECTED']);
  });

  describe('capabilities', () => {
    const granted: CustomerEvent = { type: 'CustomerCapabilityGranted', data: { customer_id: 'u1', capability: 'AchOut3rdParty', reason: 'ops ticket 7' } };

    it('grants a capability once; granting it again is a no-op', () => {
      spec
        .given([registered])
        .when({ type: 'GrantCapability', data: { customer_id: 'u1', capability: 'AchOut3rdParty', reason: 'ops ticket 7' }, now })
        .then([granted]);
      spec.given([registered, granted]).when({ type: 'GrantCapability', data: { customer_id: 'u1', capability: 'AchOut3rdParty' }, now }).then([]);
    });

    it('revokes a held capability; revoking one not held is a no-op', () => {
      spec
        .given([registered, granted])
        .when({ type: 'RevokeCapability', data: { customer_id: 'u1', capability: 'AchOut3rdParty' }, now })
        .then([{ type: 'CustomerCapabilityRevoked', data: { customer_id: 'u1', capability: 'AchOut3rdParty' } }]);
      spec.given([registered]).when({ type: 'RevokeCapability', data: { customer_id: 'u1', capability: 'AchOut1stParty' }, now }).then([]);
    });

    it('cannot grant to an unknown customer', () => {
      spec.given([]).when({ type: 'GrantCapability', data: { customer_id: 'u1', capability: 'AchOut1stParty' }, now }).thenThrows('ErrorNotFound');
    });

    it('tells other aggregates the capabilities and the verified name (only once KYC is approved)', () => {
      const fold = (events: CustomerEvent[]) => events.reduce(customerDecider.evolve, customerDecider.initialState());
      const approved: CustomerEvent = { type: 'CustomerKycStatusChanged', data: { customer_id: 'u1', kyc_status: 'approved', previous: 'pending' } };
      expect(customerFacts(fold([registered, granted]))).toMatchObject({ verifiedName: null, capabilities: ['AchOut3rdParty'] });
      expect(customerFacts(fold([registered, granted, approved]))).toMatchObject({ verifiedName: { first_name: 'Alex', last_name: 'Grey' } });
      const revoked: CustomerEvent = { type: 'CustomerCapabilityRevoked', data: { customer_id: 'u1', capability: 'AchOut3rdParty' } };
      expect(customerFacts(fold([registered, granted, revoked])).capabilities).toEqual([]);
    });
  });
});
