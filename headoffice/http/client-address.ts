/**
 * The client a per-address limit counts (the member page's codes, routes/me.ts): the peer's IPv4
 * address, or the /64 prefix of its IPv6 address. One IPv6 subscriber (a phone, a home, a
 * rented server) is handed a whole /64, so counting full IPv6 addresses would give a stranger
 * 2^64 fresh "addresses" for nothing. An IPv4-mapped IPv6 address counts as its IPv4 address.
 * Behind the chain's own load balancers, listed in HQ_TRUSTED_PROXIES, the client is the address
 * they forwarded for (proxies.ts); behind any other proxy every client is the proxy.
 */
import { isIPv4, isIPv6 } from 'node:net';
import type { IncomingMessage } from 'node:http';
import { plainAddress, requestClient } from './proxies.js';

/** The 8 groups of an IPv6 address, or null when it is not one (or embeds IPv4 outside ::ffff:). */
function ipv6Groups(addr: string): number[] | null {
  const [head = '', tail, ...more] = addr.split('::');
  if (more.length > 0) return null;
  const part = (s: string): number[] => (s === '' ? [] : s.split(':').map((g) => Number.parseInt(g, 16)));
  const left = part(head);
  const right = tail === undefined ? [] : part(tail);
  const fill = 8 - left.length - right.length;
  if (fill < 0 || (tail === undefined && fill !== 0)) return null;
  const groups = [...left, ...Array<number>(fill).fill(0), ...right];
  return groups.every((g) => Number.isInteger(g) && g >= 0 && g <= 0xffff) ? groups : null;
}

export function clientAddressKey(remote: string | undefined): string {
  if (remote === undefined) return 'unknown';
  const addr = plainAddress(remote).toLowerCase();
  if (isIPv4(addr) || !isIPv6(addr)) return addr;
  const groups = ipv6Groups(addr);
  if (!groups) return addr;
  return `${groups
    .slice(0, 4)
    .map((g) => g.toString(16))
    .join(':')}::/64`;
}

/** The request's client as the limits count it: through HQ_TRUSTED_PROXIES, the address they forwarded for. */
export function clientOf(req: IncomingMessage): string {
  return clientAddressKey(requestClient(req));
}
