/** The worker (`apps/worker/src/main.ts`) as its own OS process, for tests that kill it with SIGKILL and restart it. */
import { ChildProcess, spawn } from 'node:child_process';
import { resolve } from 'node:path';

const REPO_ROOT = resolve(__dirname, '../..');

export class WorkerProcess {
  private readonly lines: string[] = [];
  readonly exited: Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  static readonly all = new Set<WorkerProcess>();

  private constructor(readonly child: ChildProcess) {
    const keep = (chunk: Buffer) => {
      for (const line of chunk.toString('utf8').split('\n')) if (line.trim()) this.lines.push(line);
      if (this.lines.length > 200) this.lines.splice(0, this.lines.length - 200);
    };
    child.stdout?.on('data', keep);
    child.stderr?.on('data', keep);
    this.exited = new Promise((done) => child.once('exit', (code, signal) => done({ code, signal })));
  }

  /** Spawns the worker and resolves once it prints that it runs. */
  static async start(env: Record<string, string>, timeoutMs = 60_000): Promise<WorkerProcess> {
    const child = spawn(process.execPath, ['-r', '@swc-node/register', 'apps/worker/src/main.ts'], {
      cwd: REPO_ROOT,
      env: { PATH: process.env.PATH ?? '', HOME: process.env.HOME ?? '', ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const worker = new WorkerProcess(child);
    WorkerProcess.all.add(worker);
    let timer: NodeJS.Timeout | undefined;
    const outcome = await Promise.race([
      new Promise<'running'>((ready) => child.stdout?.on('data', (chunk: Buffer) => chunk.toString('utf8').includes('worker running') && ready('running'))),
      worker.exited.then(() => 'exited' as const),
      new Promise<'timeout'>((done) => (timer = setTimeout(() => done('timeout'), timeoutMs))),
    ]);
    clearTimeout(timer);
    if (outcome !== 'running') {
      await worker.kill();
      throw new Error(`worker did not start (${outcome}):\n${worker.tail()}`);
    }
    return worker;
  }

  get alive(): boolean {
    return this.child.exitCode === null && this.child.signalCode === null;
  }

  /** SIGKILL: no shutdown hook, no flush, no checkpoint write, no transaction end. */
  async kill(): Promise<void> {
    if (this.alive && this.child.pid !== undefined) process.kill(this.child.pid, 'SIGKILL');
    await this.exited;
  }

  tail(lines = 30): string {
    return this.lines.slice(-lines).join('\n');
  }

  static async killAll(): Promise<void> {
    await Promise.all([...WorkerProcess.all].map((worker) => worker.kill()));
  }
}
