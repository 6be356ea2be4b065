/** Configuration from the environment: the trust settings of issue 11 (head office URL, Host allow-list). */
import { describe, expect, it } from 'vitest';
import { checkHqUrl, ConfigError, configFromEnv } from './config.js';

describe('TILL_HQ_URL', () => {
  it('must be https:// unless head office is on this machine', () => {
    expect(configFromEnv({ TILL_HQ_URL: 'https://hq.example.cn' }).hqUrl).toBe('https://hq.example.cn');
    for (const local of ['http://127.0.0.1:7430', 'http://localhost:7430', 'http://[::1]:7430', 'http://127.0.0.2']) {
      expect(configFromEnv({ TILL_HQ_URL: local }).hqUrl).toBe(local);
    }
    for (const bad of ['http://hq.example.cn', 'http://192.168.1.10:7430', 'http://127.0.0.1.evil.test', 'ftp://hq']) {
      expect(() => configFromEnv({ TILL_HQ_URL: bad }), bad).toThrow(ConfigError);
    }
    expect(() => checkHqUrl('http://hq.example.cn:7430')).toThrow(/must start with https:\/\//);
    expect(() => checkHqUrl('not a url')).toThrow(/not a URL/);
  });

  it('TILL_HQ_CA_FILE is passed on as a path', () => {
    expect(configFromEnv({ TILL_HQ_CA_FILE: '/etc/till/hq-ca.pem' }).hqCaFile).toBe('/etc/till/hq-ca.pem');
    expect(configFromEnv({}).hqCaFile).toBeNull();
  });
});

describe('TILL_ALLOWED_HOSTS', () => {
  it('takes names and name:port, comma-separated', () => {
    expect(configFromEnv({ TILL_ALLOWED_HOSTS: 'till-3.store.lan, 192.168.1.20:8443,[fe80::1]' }).allowedHosts).toEqual(
      ['till-3.store.lan', '192.168.1.20:8443', '[fe80::1]'],
    );
    expect(configFromEnv({}).allowedHosts).toEqual([]);
  });

  it('refuses wildcards and URLs', () => {
    for (const bad of ['*', '*.store.lan', 'http://till', 'till/x']) {
      expect(() => configFromEnv({ TILL_ALLOWED_HOSTS: bad }), bad).toThrow(ConfigError);
    }
  });
});
