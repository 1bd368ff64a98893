/** Runs test/infra/kafka.sh from the jest global setup/teardown. */
import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export const KAFKA_SCRIPT = resolve(__dirname, 'kafka.sh');

export interface ScriptResult {
  stdout: string;
  stderr: string;
}

/** Runs `bash kafka.sh ...args`; rejects with the script's stderr when it exits non-zero. */
export function runKafkaScript(args: string[], timeoutMs = 300_000): Promise<ScriptResult> {
  return new Promise((resolvePromise, reject) => {
    const child = spawn('bash', [KAFKA_SCRIPT, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    const timer = setTimeout(() => child.kill('SIGTERM'), timeoutMs);
    child.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      if (code === 0) resolvePromise({ stdout, stderr });
      else reject(new Error(`kafka.sh ${args.join(' ')} failed (${signal ?? `exit ${code}`}):\n${stderr.trim()}`));
    });
  });
}

/** `kafka.sh start` prints exactly one line, the broker address. */
export async function startBroker(id: string, ownerPid?: number): Promise<string> {
  const args = ['start', '--id', id, ...(ownerPid ? ['--owner-pid', String(ownerPid)] : [])];
  const { stdout } = await runKafkaScript(args, 120_000);
  const address = stdout.trim().split('\n').pop() ?? '';
  if (!/^127\.0\.0\.1:\d+$/.test(address)) throw new Error(`kafka.sh start printed no broker address: ${JSON.stringify(stdout)}`);
  return address;
}
