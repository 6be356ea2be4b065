/** The client behind the chain's load balancers (proxies.ts): whom X-Forwarded-For is believed from, and which of its items. */
import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { configFromEnv, ConfigError } from '../config.js';
import { clientAddress, parseTrustedProxies } from './proxies.js';

const req = (peer: string, forwardedFor?: string | string[]): IncomingMessage =>
  ({
    socket: { remoteAddress: peer },
    headers: forwardedFor === undefined ? {} : { 'x-forwarded-for': forwardedFor },
  }) as unknown as IncomingMessage;

const proxies = parseTrustedProxies('10.0.0.5, 10.1.0.0/16, fd00::/8');

describe('clientAddress', () => {
  it('believes X-Forwarded-For only from a listed proxy, read from the right past listed proxies', () => {
    expect(clientAddress(req('10.0.0.5', '198.51.100.7'), proxies)).toBe('198.51.100.7');
    expect(clientAddress(req('10.0.0.5', '1.2.3.4, 198.51.100.7, 10.1.2.3'), proxies)).toBe('198.51.100.7');
    expect(clientAddress(req('::ffff:10.0.0.5', '198.51.100.7'), proxies)).toBe('198.51.100.7');
    expect(clientAddress(req('fd00::1', ['1.2.3.4', '2001:db8::9']), proxies)).toBe('2001:db8::9');
    // Not a listed proxy: the header is the client's own word.
    expect(clientAddress(req('198.51.100.9', '10.0.0.5, 1.2.3.4'), proxies)).toBe('198.51.100.9');
    expect(clientAddress(req('10.0.0.5', '198.51.100.7'), null)).toBe('10.0.0.5');
  });

  it('stops at a malformed item, and falls back to the proxy when nothing is forwarded', () => {
    expect(clientAddress(req('10.0.0.5', 'bogus, 198.51.100.7'), proxies)).toBe('198.51.100.7');
    expect(clientAddress(req('10.0.0.5', '198.51.100.7, bogus'), proxies)).toBe('10.0.0.5');
    expect(clientAddress(req('10.0.0.5'), proxies)).toBe('10.0.0.5');
    // Every hop a listed proxy: the leftmost is as far as anyone trusted saw.
    expect(clientAddress(req('10.0.0.5', '10.1.0.9, 10.1.0.8'), proxies)).toBe('10.1.0.9');
  });
});

describe('HQ_TRUSTED_PROXIES', () => {
  it('takes addresses and ranges, and refuses anything else at start', () => {
    expect(configFromEnv({ HQ_TRUSTED_PROXIES: ' 10.0.0.5 ,10.1.0.0/16,, ::1 ' }).trustedProxies).not.toBeNull();
    expect(configFromEnv({}).trustedProxies).toBeNull();
    for (const bad of ['10.0.0.300', '10.0.0.0/33', 'fd00::/129', 'proxy.example', '10.0.0.0/8/1', '10.0.0.0/x']) {
      expect(() => configFromEnv({ HQ_TRUSTED_PROXIES: bad }), bad).toThrow(ConfigError);
    }
  });
});
