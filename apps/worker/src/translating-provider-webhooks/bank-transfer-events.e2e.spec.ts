/**
 * A provider outcome end to end: the provider-sandbox signs BANK_TRANSFERS_EVENTS_UPDATE and posts it to our receiver,
 * which verifies it and publishes it to Kafka; the worker's translator consumes it, syncs the provider's event feed and
 * settles the pull.
 */
import { BankTransfersService } from '../../../provider-sandbox/src';
import { ServiceHarness, startService } from '../../../../test/support/service-harness';
import { AchPullFixture } from './testing/ach-pull-fixture';

describe('ACH pull outcome end to end (sandbox signed webhook -> receiver -> Kafka -> translator -> event feed -> pull)', () => {
  let service: ServiceHarness;
  let fx: AchPullFixture;
  const userId = 'user-bt-e2e';

  beforeAll(async () => {
    service = await startService('bt-events-e2e', { kafka: true });
    if (!service.sandbox) throw new Error('the harness did not expose the provider-sandbox app');
    service.sandbox.get(BankTransfersService).setWebhookUrl(`${service.url}/webhooks/plaid`);
    fx = new AchPullFixture(service);
    await fx.linkedUser(userId);
  });
  afterAll(async () => {
    await service?.close();
  });

  it('settles a pull once the provider posts it, and returns it when the provider reverses it', async () => {
    const pull = await fx.submittedPull(userId);
    await service.eventually(async () => (await fx.state(pull.pullId)).status === 'PENDING');

    await fx.simulate(pull.transferId, 'posted');
    await service.eventually(async () => (await fx.state(pull.pullId)).status === 'SETTLED');
    expect(await fx.eventTypes(pull.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullSettled']);

    await fx.simulate(pull.transferId, 'reversed', 'R01');
    const returned = await service.eventually(async () => {
      const state = await fx.state(pull.pullId);
      return state.status === 'RETURNED' && state;
    });
    expect(returned).toMatchObject({ returned: { ach_return_code: 'R01' } });
    expect(await fx.eventTypes(pull.pullId)).toEqual(['AchPullRequested', 'AchPullSubmitted', 'AchPullPending', 'AchPullSettled', 'AchPullReturned']);
    await service.eventually(async () => (await fx.cursor()) === (await fx.latestProviderEventId()));
    const settled = (await fx.commands.store.readStream(pull.streamId)).find((e) => e.type === 'AchPullSettled');
    expect(settled?.metadata).toMatchObject({ actor: 'provider:plaid' });
  });
});
