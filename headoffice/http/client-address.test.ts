import { describe, expect, it } from 'vitest';
import { clientAddressKey } from './client-address.js';

describe('the client a per-address limit counts', () => {
  it('is an IPv4 address, or an IPv6 /64, whatever its spelling', () => {
    expect(clientAddressKey('127.0.0.2')).toBe('127.0.0.2');
    expect(clientAddressKey('::ffff:10.1.2.3')).toBe('10.1.2.3');
    expect(clientAddressKey('2001:db8::1')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('2001:DB8:0:0:ffff::9%eth0')).toBe('2001:db8:0:0::/64');
    expect(clientAddressKey('2001:db8:1:2:3:4:5:6')).toBe('2001:db8:1:2::/64');
    expect(clientAddressKey('::1')).toBe('0:0:0:0::/64');
    expect(clientAddressKey(undefined)).toBe('unknown');
  });
});
