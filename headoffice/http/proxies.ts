/**
 * The client's address behind the chain's own load balancers (HQ_TRUSTED_PROXIES): several
 * head-office processes sit behind one (docs/postgres.md), and without this every member and
 * every till would be the balancer's address to the per-address limits (the member page's codes,
 * the body gate) and the logs.
 *
 * DECISION: `X-Forwarded-For` is read only when the connection comes from a listed proxy, and
 * then from the right: each proxy appends the address it was reached from, so the rightmost
 * address that is not itself a listed proxy is the client as far as anyone trusted saw it.
 * Whatever the client wrote further left is its own word and ignored. A malformed item stops the
 * walk there (that item is not trusted either way): the last address known good is used. Not
 * listed, the header is ignored entirely, so a client reaching head office directly cannot
 * choose its own address.
 */
import type { IncomingMessage } from 'node:http';
import { BlockList, isIP } from 'node:net';

export class TrustedProxiesError extends Error {
  readonly code = 'config_error';
}

/** The addresses and ranges listed (`10.0.0.5`, `10.1.0.0/16`, `fd00::/8`), as a BlockList to match against. */
export function parseTrustedProxies(text: string): BlockList {
  const list = new BlockList();
  for (const raw of text.split(',')) {
    const item = raw.trim();
    if (item === '') continue;
    const [addr = '', bits, ...rest] = item.split('/');
    const family = isIP(addr);
    const prefix = bits === undefined ? null : Number(bits);
    const max = family === 4 ? 32 : 128;
    if (
      family === 0 ||
      rest.length > 0 ||
      (prefix !== null && !(Number.isInteger(prefix) && prefix >= 0 && prefix <= max))
    ) {
      throw new TrustedProxiesError(`HQ_TRUSTED_PROXIES: not an address or address/prefix: ${item}`);
    }
    const type = family === 4 ? 'ipv4' : 'ipv6';
    if (prefix === null) list.addAddress(addr, type);
    else list.addSubnet(addr, prefix, type);
  }
  return list;
}

/** An address as BlockList takes it, and the limits count it: an IPv4-mapped IPv6 address as its IPv4 address, no zone. */
export function plainAddress(addr: string): string {
  const a = addr.trim().replace(/%.*$/, '');
  const mapped = /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(a)?.[1];
  return mapped ?? a;
}

function listed(proxies: BlockList, addr: string): boolean {
  const family = isIP(addr);
  return family !== 0 && proxies.check(addr, family === 4 ? 'ipv4' : 'ipv6');
}

/** The client's address: the peer's, or through listed proxies the one they forwarded for. */
export function clientAddress(req: IncomingMessage, proxies: BlockList | null): string | undefined {
  const peer = req.socket.remoteAddress;
  if (!proxies || peer === undefined || !listed(proxies, plainAddress(peer))) return peer;
  const header = req.headers['x-forwarded-for'];
  const hops = (Array.isArray(header) ? header.join(',') : (header ?? '')).split(',').map(plainAddress);
  let client = plainAddress(peer);
  for (let i = hops.length - 1; i >= 0; i--) {
    const hop = hops[i] as string;
    if (isIP(hop) === 0) break;
    client = hop;
    if (!listed(proxies, hop)) break;
  }
  return client;
}

/** Each request's client address, resolved once as it arrives (server.ts), for the limits and logs. */
const resolved = new WeakMap<IncomingMessage, string | undefined>();

export function noteClientAddress(req: IncomingMessage, proxies: BlockList | null): void {
  resolved.set(req, clientAddress(req, proxies));
}

/** The request's client address as noted; a request never noted (tests calling handlers directly): the peer's. */
export function requestClient(req: IncomingMessage): string | undefined {
  return resolved.has(req) ? resolved.get(req) : req.socket.remoteAddress;
}
