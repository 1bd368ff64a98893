'use strict';
/**
 * Helper for test/infra/kafka.sh (plain Node, no build step).
 *
 *   node broker-check.js free-ports N             prints N free 127.0.0.1 TCP ports, space separated
 *   node broker-check.js ready HOST:PORT MS [PID]  waits until the broker answers a metadata request
 *                                                  exit 0 ready, 1 timed out, 2 process PID died
 */
const net = require('net');

const sleep = (ms) => new Promise((resolve) => setTimeout(resolve, ms));

async function freePorts(count) {
  const servers = [];
  try {
    for (let i = 0; i < count; i++) {
      const server = net.createServer();
      await new Promise((resolve, reject) => {
        server.once('error', reject);
        server.listen(0, '127.0.0.1', resolve);
      });
      servers.push(server);
    }
    return servers.map((s) => s.address().port);
  } finally {
    await Promise.all(servers.map((s) => new Promise((resolve) => s.close(resolve))));
  }
}

function alive(pid) {
  if (!pid) return true;
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

function portOpen(host, port) {
  return new Promise((resolve) => {
    const socket = net.connect({ host, port });
    const done = (ok) => {
      socket.destroy();
      resolve(ok);
    };
    socket.setTimeout(500, () => done(false));
    socket.once('connect', () => done(true));
    socket.once('error', () => done(false));
  });
}

async function ready(address, timeoutMs, pid) {
  const { Kafka, logLevel } = require('kafkajs');
  const [host, portText] = address.split(':');
  const port = Number(portText);
  const deadline = Date.now() + timeoutMs;
  let lastError = 'port not open yet';
  while (Date.now() < deadline) {
    if (!alive(pid)) return { code: 2, message: `broker process ${pid} exited` };
    if (await portOpen(host, port)) {
      const admin = new Kafka({
        clientId: 'kafka-sh-ready',
        brokers: [address],
        logLevel: logLevel.NOTHING,
        connectionTimeout: 1000,
        requestTimeout: 3000,
        retry: { retries: 0 },
      }).admin();
      try {
        await admin.connect();
        const cluster = await admin.describeCluster();
        if (cluster.brokers.length > 0) {
          await admin.listTopics();
          return { code: 0, message: `ready (broker ids ${cluster.brokers.map((b) => b.nodeId).join(',')})` };
        }
        lastError = 'no brokers in metadata yet';
      } catch (error) {
        lastError = error instanceof Error ? error.message : String(error);
      } finally {
        await admin.disconnect().catch(() => undefined);
      }
    }
    await sleep(150);
  }
  return { code: 1, message: `timed out after ${timeoutMs} ms: ${lastError}` };
}

async function main() {
  const [command, ...args] = process.argv.slice(2);
  if (command === 'free-ports') {
    const ports = await freePorts(Number(args[0] || 1));
    process.stdout.write(`${ports.join(' ')}\n`);
    return 0;
  }
  if (command === 'ready') {
    const result = await ready(args[0], Number(args[1] || 30000), args[2] ? Number(args[2]) : undefined);
    process.stderr.write(`[kafka.sh] ${args[0]}: ${result.message}\n`);
    return result.code;
  }
  process.stderr.write('usage: broker-check.js free-ports N | ready HOST:PORT TIMEOUT_MS [PID]\n');
  return 64;
}

main().then(
  (code) => process.exit(code),
  (error) => {
    process.stderr.write(`[kafka.sh] ${error instanceof Error ? error.stack : String(error)}\n`);
    process.exit(1);
  },
);
