/**
 * Strict textual IP address checks for request fields (`ip_address`), written without Node's `net` so the domain stays
 * pure. They agree with Node's `net.isIPv4`/`net.isIPv6` (the unit test cross-checks them), except that IPv6 zone ids
 * ("fe80::1%eth0") are refused: a zone is only meaningful on the host that wrote it, never for a client address.
 */

const OCTET = /^(0|[1-9][0-9]{0,2})$/;
const HEXTET = /^[0-9A-Fa-f]{1,4}$/;
/** "ffff:ffff:ffff:ffff:ffff:ffff:255.255.255.255" is the longest valid form. */
const MAX_IPV6_LENGTH = 45;

/** Dotted-quad IPv4: four decimal octets 0–255, no leading zeros (which some parsers read as octal), nothing else. */
export function isIPv4(value: string): boolean {
  const parts = value.split('.');
  return parts.length === 4 && parts.every((part) => OCTET.test(part) && Number(part) <= 255);
}

/** RFC 4291 §2.2 text forms: eight hextets, at most one `::`, optionally ending in an embedded dotted-quad IPv4. */
export function isIPv6(value: string): boolean {
  if (value.length < 2 || value.length > MAX_IPV6_LENGTH) return false;
  const lastColon = value.lastIndexOf(':');
  if (lastColon < 0) return false;
  let head = value;
  let embeddedGroups = 0;
  const tail = value.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!isIPv4(tail)) return false;
    embeddedGroups = 2;
    head = value.slice(0, lastColon + 1);
    if (!head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return false;
  const groups = (text: string): string[] => (text === '' ? [] : text.split(':'));
  const left = groups(halves[0]);
  const right = halves.length === 2 ? groups(halves[1]) : [];
  if (![...left, ...right].every((group) => HEXTET.test(group))) return false;
  const count = left.length + right.length + embeddedGroups;
  return halves.length === 2 ? count <= 7 : count === 8;
}

export function isIpAddress(value: unknown): value is string {
  return typeof value === 'string' && (isIPv4(value) || isIPv6(value));
}
