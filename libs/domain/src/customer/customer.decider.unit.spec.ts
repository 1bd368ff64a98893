import { customerDecider, CustomerEvent, userStatusOf } from './customer.decider';
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
});
