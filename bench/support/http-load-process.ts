/**
 * An HTTP load client in its own OS process, as a product app's servers would be: building requests and parsing
 * responses does not take the measured service's CPU time (in-process `fetch` cost the API about a fifth of its CPU).
 * Started with `fork()` by {@link HttpLoadProcess.start}; each `run` drives `concurrency` keep-alive connections in
 * closed loops for `seconds` and reports completed requests per second and latency quantiles.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { Agent, request } from 'node:http';
import { resolve } from 'node:path';

export interface LoadSpec {
  /** Base URL of the service, e.g. http://127.0.0.1:3000. */
  url: string;
  method: 'POST' | 'GET';
  path: string;
  /** Headers of every request (authorization, content-type, ...). */
  headers: Record<string, string>;
  /** `x-user-id` of successive requests, in turn. */
  users: string[];
  /** JSON body of every request (POST). */
  body?: unknown;
  /**
   * JSON body per entry of `users` (same index), for requests whose body names the user (e.g. the user's own account
   * id); when given, it replaces `body`.
   */
  bodies?: unknown[];
  concurrency: number;
  seconds: number;
  /** The status every response must have; any other stops the run with an error. */
  expectStatus: number;
}

export interface LoadResult {
  requests: number;
  perSecond: number;
  p50Ms: number;
  p99Ms: number;
}

type Message = { id: number; op: 'run'; spec: LoadSpec } | { id: number; op: 'close' };
type Reply = { id: number; ok: true; value: LoadResult | null } | { id: number; ok: false; error: string } | { ready: true };

/** Parent side. */
export class HttpLoadProcess {
  private next = 1;
  private readonly waiting = new Map<number, { resolve(value: LoadResult | null): void; reject(error: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      if ('ready' in reply) return;
      const pending = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) pending?.resolve(reply.value);
      else pending?.reject(new Error(`load process: ${reply.error}`));
    });
    child.once('exit', (code, signal) => {
      for (const pending of this.waiting.values()) pending.reject(new Error(`load process exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  static async start(): Promise<HttpLoadProcess> {
    const child = fork(resolve(__dirname, 'http-load-process.ts'), ['--child'], {
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((ready, failed) => {
      child.once('message', (reply: Reply) => ('ready' in reply ? ready() : failed(new Error('unexpected first message'))));
      child.once('exit', (code) => failed(new Error(`load process exited before it was ready (${code})`)));
    });
    return new HttpLoadProcess(child);
  }

  private call(message: Omit<Extract<Message, { op: 'run' }>, 'id'> | Omit<Extract<Message, { op: 'close' }>, 'id'>): Promise<LoadResult | null> {
    const id = this.next++;
    return new Promise((resolve, reject) => {
      this.waiting.set(id, { resolve, reject });
      this.child.send({ ...message, id });
    });
  }

  async run(spec: LoadSpec): Promise<LoadResult> {
    return (await this.call({ op: 'run', spec })) as LoadResult;
  }

  async close(): Promise<void> {
    await this.call({ op: 'close' }).catch(() => undefined);
    this.child.kill();
  }
}

/** Child side: one closed loop per connection. */
async function runLoad(spec: LoadSpec): Promise<LoadResult> {
  const target = new URL(spec.url);
  const agent = new Agent({ keepAlive: true, maxSockets: spec.concurrency });
  if (spec.bodies && spec.bodies.length !== spec.users.length) throw new Error('bodies must have one entry per user');
  const single = spec.body === undefined ? undefined : Buffer.from(JSON.stringify(spec.body));
  const payloads = spec.bodies?.map((body) => Buffer.from(JSON.stringify(body)));
  const latencies: number[] = [];
  let turn = 0;
  const once = (index: number): Promise<void> =>
    new Promise((done, failed) => {
      const userId = spec.users[index];
      const payload = payloads ? payloads[index] : single;
      const req = request(
        {
          agent,
          host: target.hostname,
          port: target.port,
          method: spec.method,
          path: spec.path,
          headers: { ...spec.headers, 'x-user-id': userId, ...(payload ? { 'content-length': String(payload.length) } : {}) },
        },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('end', () => {
            if (res.statusCode === spec.expectStatus) done();
            else failed(new Error(`${spec.method} ${spec.path}: ${res.statusCode} ${Buffer.concat(chunks).toString('utf8').slice(0, 300)}`));
          });
          res.on('error', failed);
        },
      );
      req.on('error', failed);
      req.end(payload);
    });
  const started = performance.now();
  const deadline = started + spec.seconds * 1000;
  await Promise.all(
    Array.from({ length: spec.concurrency }, async () => {
      while (performance.now() < deadline) {
        const sent = performance.now();
        await once(turn++ % spec.users.length);
        latencies.push(performance.now() - sent);
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  agent.destroy();
  latencies.sort((a, b) => a - b);
  const at = (q: number) => latencies[Math.min(latencies.length - 1, Math.floor(q * latencies.length))] ?? Number.NaN;
  return { requests: latencies.length, perSecond: latencies.length / elapsed, p50Ms: at(0.5), p99Ms: at(0.99) };
}

if (process.argv.includes('--child') && process.send) {
  const send = (reply: Reply) => process.send?.(reply);
  process.on('message', (message: Message) => {
    if (message.op === 'close') {
      send({ id: message.id, ok: true, value: null });
      process.disconnect();
      return;
    }
    runLoad(message.spec).then(
      (value) => send({ id: message.id, ok: true, value }),
      (error: unknown) => send({ id: message.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  send({ ready: true });
}
