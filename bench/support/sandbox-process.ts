/**
 * The provider-sandbox as its own OS process for bench:webhooks, as the real provider is: its signing and sending of
 * webhooks and its /event/sync answers do not take the measured service's CPU time. Started with `fork()` by
 * {@link startSandboxProcess}; driven over the IPC channel (the provider's own activity: posting transfers, the
 * Dashboard's webhook URL). Times cross the process boundary as wall-clock milliseconds
 * (`performance.timeOrigin + performance.now()`), comparable between processes of one machine.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { resolve } from 'node:path';
import type { NestFastifyApplication } from '@nestjs/platform-fastify';
import { SANDBOX_PLAID_CREDENTIALS } from '@payments/infrastructure';

export interface SandboxProcessOptions {
  port: number;
  /** BANK_TRANSFERS_EVENTS_UPDATE coalescing window (0: one webhook per event). */
  webhookCoalesceMs: number;
}

/** Wall-clock milliseconds with sub-millisecond precision, comparable across processes. */
export const wallNow = (): number => performance.timeOrigin + performance.now();

type Request =
  | { id: number; op: 'setWebhookUrl'; url: string | null }
  | { id: number; op: 'fireWebhook'; url: string }
  | { id: number; op: 'post'; transferIds: string[] }
  | { id: number; op: 'sends' }
  | { id: number; op: 'close' };
/** A request without its id (Omit over each member of the union, not over the union). */
type Call = Request extends infer R ? (R extends Request ? Omit<R, 'id'> : never) : never;
type Reply = { id: number; ok: true; value: unknown } | { id: number; ok: false; error: string } | { ready: true };

/** Parent side: the sandbox process and the calls it answers. */
export class SandboxProcess {
  private next = 1;
  private readonly waiting = new Map<number, { resolve(value: unknown): void; reject(error: Error): void }>();

  private constructor(private readonly child: ChildProcess) {
    child.on('message', (reply: Reply) => {
      if ('ready' in reply) return;
      const pending = this.waiting.get(reply.id);
      this.waiting.delete(reply.id);
      if (reply.ok) pending?.resolve(reply.value);
      else pending?.reject(new Error(`provider-sandbox process: ${reply.error}`));
    });
    child.once('exit', (code, signal) => {
      for (const pending of this.waiting.values()) pending.reject(new Error(`provider-sandbox process exited (${code ?? signal})`));
      this.waiting.clear();
    });
  }

  static async start(options: SandboxProcessOptions): Promise<SandboxProcess> {
    const child = fork(resolve(__dirname, 'sandbox-process.ts'), [JSON.stringify(options)], {
      execArgv: ['-r', '@swc-node/register'],
      stdio: ['ignore', 'inherit', 'inherit', 'ipc'],
    });
    await new Promise<void>((ready, failed) => {
      child.once('message', (reply: Reply) => ('ready' in reply ? ready() : failed(new Error('unexpected first message'))));
      child.once('exit', (code) => failed(new Error(`provider-sandbox process exited before it was ready (${code})`)));
    });
    return new SandboxProcess(child);
  }

  private call<T>(request: Call): Promise<T> {
    const id = this.next++;
    return new Promise<T>((resolve, reject) => {
      this.waiting.set(id, { resolve: resolve as (value: unknown) => void, reject });
      this.child.send({ ...request, id });
    });
  }

  setWebhookUrl(url: string | null): Promise<void> {
    return this.call({ op: 'setWebhookUrl', url });
  }

  fireWebhook(url: string): Promise<void> {
    return this.call({ op: 'fireWebhook', url });
  }

  /** The provider posts these transfers (one POSTED event each); resolves with the wall time of each post. */
  post(transferIds: string[]): Promise<number[]> {
    return this.call({ op: 'post', transferIds });
  }

  /** Every webhook send so far: wall-clock start and end (until the receiver's 200). */
  sends(): Promise<{ start: number; end: number }[]> {
    return this.call({ op: 'sends' });
  }

  async close(): Promise<void> {
    if (this.child.exitCode !== null) return;
    const exited = new Promise((done) => this.child.once('exit', done));
    await this.call({ op: 'close' }).catch(() => undefined);
    await exited;
  }
}

export const startSandboxProcess = (options: SandboxProcessOptions): Promise<SandboxProcess> => SandboxProcess.start(options);

/** Child side. */
async function serve(options: SandboxProcessOptions): Promise<void> {
  // Imported here so the parent does not load the sandbox's modules just to fork it.
  const { BankTransfersService, createProviderSandboxApp } = await import('../../apps/provider-sandbox/src');
  const { WebhookDispatcher } = await import('../../apps/provider-sandbox/src/webhooks/webhook-dispatcher');
  const app: NestFastifyApplication = await createProviderSandboxApp({
    ...SANDBOX_PLAID_CREDENTIALS,
    publicBaseUrl: `http://127.0.0.1:${options.port}`,
    logger: false,
    // A burst of webhooks may queue at the receiver: no resends while the first attempt is still being answered.
    webhookTimeoutMs: 60_000,
    bankTransfers: { webhookCoalesceMs: options.webhookCoalesceMs || null },
  });
  await app.listen(options.port, '127.0.0.1');
  const bankTransfers = app.get(BankTransfersService);
  const sends: { start: number; end: number }[] = [];
  const dispatcher = app.get(WebhookDispatcher);
  const send = dispatcher.send.bind(dispatcher);
  dispatcher.send = async (url, payload) => {
    const start = wallNow();
    try {
      return await send(url, payload);
    } finally {
      sends.push({ start, end: wallNow() });
    }
  };

  const handle = async (request: Request): Promise<unknown> => {
    switch (request.op) {
      case 'setWebhookUrl':
        bankTransfers.setWebhookUrl(request.url);
        return null;
      case 'fireWebhook':
        await bankTransfers.fireWebhook(request.url);
        return null;
      case 'post':
        return request.transferIds.map((id) => {
          const at = wallNow();
          bankTransfers.simulate({ bank_transfer_id: id, event_type: 'posted' } as Parameters<typeof bankTransfers.simulate>[0]);
          return at;
        });
      case 'sends':
        return sends;
      case 'close':
        await app.close();
        setImmediate(() => process.exit(0));
        return null;
    }
  };
  process.on('message', (request: Request) => {
    handle(request).then(
      (value) => process.send?.({ id: request.id, ok: true, value }),
      (error: unknown) => process.send?.({ id: request.id, ok: false, error: error instanceof Error ? error.message : String(error) }),
    );
  });
  process.on('disconnect', () => process.exit(0));
  process.send?.({ ready: true });
}

if (require.main === module) {
  serve(JSON.parse(process.argv[2] ?? '{}') as SandboxProcessOptions).catch((error: unknown) => {
    process.stderr.write(`provider-sandbox process: ${error instanceof Error ? (error.stack ?? error.message) : String(error)}\n`);
    process.exit(1);
  });
}
