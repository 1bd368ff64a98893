import { createHash, randomUUID } from 'node:crypto';

/** Namespace for this service's name-based (v5) event ids. */
const NAMESPACE = '6f1b7a52-3c1e-4f7e-9a0c-5d2b8e4a9c11';

function uuidBytes(uuid: string): Buffer {
  return Buffer.from(uuid.replace(/-/g, ''), 'hex');
}

/** RFC 4122 version-5 UUID of `name` in this service's namespace: the same name always gives the same id. */
export function deterministicUuid(name: string, namespace: string = NAMESPACE): string {
  const hash = createHash('sha1').update(uuidBytes(namespace)).update(name, 'utf8').digest();
  const bytes = Buffer.from(hash.subarray(0, 16));
  bytes[6] = (bytes[6] & 0x0f) | 0x50;
  bytes[8] = (bytes[8] & 0x3f) | 0x80;
  const hex = bytes.toString('hex');
  return `${hex.slice(0, 8)}-${hex.slice(8, 12)}-${hex.slice(12, 16)}-${hex.slice(16, 20)}-${hex.slice(20)}`;
}

export const newUuid = (): string => randomUUID();
