import { randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export interface LocalSecrets {
  encryptionKey: string;
  fingerprintKey: string;
  localApiKey: string;
  opsApiKey: string;
}

/**
 * Embedded mode's own keys, generated once into `<dataDir>/secrets.json` (mode 0600) so data encrypted in one
 * run can be read in the next and the printed API keys stay the same across restarts.
 */
export function loadOrCreateLocalSecrets(dataDir: string): LocalSecrets {
  mkdirSync(dataDir, { recursive: true });
  const file = join(dataDir, 'secrets.json');
  if (existsSync(file)) return JSON.parse(readFileSync(file, 'utf8')) as LocalSecrets;
  const secrets: LocalSecrets = {
    encryptionKey: randomBytes(32).toString('base64'),
    fingerprintKey: randomBytes(32).toString('base64'),
    localApiKey: `pk_${randomBytes(32).toString('base64url')}`,
    opsApiKey: `pk_${randomBytes(32).toString('base64url')}`,
  };
  writeFileSync(file, JSON.stringify(secrets, null, 2), { mode: 0o600 });
  return secrets;
}
