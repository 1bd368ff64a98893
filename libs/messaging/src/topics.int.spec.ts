import { ConfigResourceTypes, type Admin, type Kafka } from 'kafkajs';
import { testKafkaBrokers, uniqueName } from '../../../test/support/kafka';
import { KafkaMessagePublisher, UnknownTopicError } from './kafka-message-publisher';
import { testKafka } from './testing/messaging-test-kit';
import { TOPOLOGY, type TopicSpec, ensureTopics } from './topics';

describe('ensureTopics (real Kafka, broker auto-creation off)', () => {
  let kafka: Kafka;
  let admin: Admin;

  beforeAll(async () => {
    kafka = testKafka(testKafkaBrokers(), uniqueName('topics-spec'));
    admin = kafka.admin();
    await admin.connect();
  });
  afterAll(async () => {
    await admin.disconnect();
  });

  const partitionsOf = async (topic: string): Promise<number> => {
    const { topics } = await admin.fetchTopicMetadata({ topics: [topic] });
    return topics[0].partitions.length;
  };
  const configOf = async (topic: string): Promise<Record<string, string>> => {
    const { resources } = await admin.describeConfigs({
      includeSynonyms: false,
      resources: [{ type: ConfigResourceTypes.TOPIC, name: topic }],
    });
    return Object.fromEntries(resources[0].configEntries.map((e) => [e.configName, e.configValue]));
  };

  it('creates the whole topology with its partition counts and configs; a second run changes nothing', async () => {
    const suffix = uniqueName('t');
    const topology: TopicSpec[] = TOPOLOGY.map((spec) => ({ ...spec, name: `${spec.name}.${suffix}` }));
    const names = topology.map((t) => t.name);

    const first = await ensureTopics(kafka, { replicationFactor: 1, topics: topology });
    expect(first).toEqual({ created: names, partitionsRaised: [], unchanged: [] });

    for (const spec of topology) {
      expect(await partitionsOf(spec.name)).toBe(spec.partitions);
      const config = await configOf(spec.name);
      expect(config['min.insync.replicas']).toBe('1');
      expect(config['unclean.leader.election.enable']).toBe('false');
      expect(config['retention.ms']).toBe(spec.config['retention.ms']);
    }

    const second = await ensureTopics(kafka, { replicationFactor: 1, topics: topology });
    expect(second).toEqual({ created: [], partitionsRaised: [], unchanged: names });
  });

  it('is safe to run from several processes at once: each topic is created exactly once, nobody fails', async () => {
    const suffix = uniqueName('race');
    const topology: TopicSpec[] = TOPOLOGY.map((spec) => ({ ...spec, name: `${spec.name}.${suffix}` }));
    const runs = await Promise.all(
      [1, 2, 3].map((n) => ensureTopics(testKafka(testKafkaBrokers(), `${suffix}-${n}`), { replicationFactor: 1, topics: topology })),
    );
    const created = runs.flatMap((r) => r.created).sort();
    expect(created).toEqual(topology.map((t) => t.name).sort());
    for (const spec of topology) expect(await partitionsOf(spec.name)).toBe(spec.partitions);
  });

  it('raises partitions when the spec asks for more and never lowers them', async () => {
    const name = uniqueName('grow');
    const spec = (partitions: number): TopicSpec[] => [{ name, partitions, keyedBy: 'test', config: {} }];

    await ensureTopics(kafka, { replicationFactor: 1, topics: spec(2) });
    expect(await ensureTopics(kafka, { replicationFactor: 1, topics: spec(4) })).toEqual({
      created: [],
      partitionsRaised: [{ topic: name, from: 2, to: 4 }],
      unchanged: [],
    });
    expect(await partitionsOf(name)).toBe(4);

    expect(await ensureTopics(kafka, { replicationFactor: 1, topics: spec(3) })).toEqual({
      created: [],
      partitionsRaised: [],
      unchanged: [name],
    });
    expect(await partitionsOf(name)).toBe(4);
  });

  it('asks for replication 3 as configured and fails loudly on a 1-broker cluster instead of degrading', async () => {
    const name = uniqueName('rf3');
    await expect(
      ensureTopics(kafka, { replicationFactor: 3, topics: [{ name, partitions: 1, keyedBy: 'test', config: {} }] }),
    ).rejects.toThrow(/replication/i);
    expect(await admin.listTopics()).not.toContain(name);
  });

  it('does not rely on auto-creation: publishing to a topic nobody created fails at once and creates nothing', async () => {
    const name = uniqueName('never-created');
    const publisher = new KafkaMessagePublisher(kafka);
    try {
      await expect(publisher.publish(name, [{ key: 'k', value: 'v' }])).rejects.toBeInstanceOf(UnknownTopicError);
      expect(await admin.listTopics()).not.toContain(name);
    } finally {
      await publisher.close();
    }
  });
});
