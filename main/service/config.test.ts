/** Configuration from the environment: the trust settings of issue 11 (head office URL, Host allow-list). */
import { generateKeyPairSync } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { hqPublicKeyText } from '../../core/sync/sign.js';
import { checkHqUrl, ConfigError, configFromEnv, readHqPublicKeys } from './config.js';

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

describe('TILL_HQ_PUBLIC_KEY', () => {
  const current = hqPublicKeyText(generateKeyPairSync('ed25519').publicKey);
  const next = hqPublicKeyText(generateKeyPairSync('ed25519').publicKey);
  const texts = (value: string): string[] => readHqPublicKeys(value).map(hqPublicKeyText);

  it('takes one key, as before, or the keys of a rotation separated by commas, spaces around them ignored', () => {
    expect(texts(current)).toEqual([current]);
    expect(texts(`${current},${next}`)).toEqual([current, next]);
    expect(texts(`  ${current} ,\t${next}  `)).toEqual([current, next]);
    expect(configFromEnv({ TILL_HQ_PUBLIC_KEY: ` ${current}, ${next} ` }).hqPublicKey).toBe(`${current}, ${next}`);
  });

  it('unset or blank is no key (the till does not sync)', () => {
    expect(readHqPublicKeys(null)).toEqual([]);
    expect(readHqPublicKeys('  ')).toEqual([]);
    expect(configFromEnv({ TILL_HQ_PUBLIC_KEY: ' ' }).hqPublicKey).toBeNull();
  });

  it('refuses an empty item and a malformed one, naming which, as it refuses a malformed single key', () => {
    const refusal = (value: string): ConfigError => {
      try {
        readHqPublicKeys(value);
      } catch (e) {
        if (e instanceof ConfigError) return e;
        throw e;
      }
      throw new Error(`accepted ${value}`);
    };
    expect(refusal('not-a-key').message).toBe(
      'TILL_HQ_PUBLIC_KEY must be the 44-character base64 key `add-till` prints',
    );
    expect(refusal('not-a-key').code).toBe('config_error');
    expect(refusal(`${current},`).message).toMatch(/^TILL_HQ_PUBLIC_KEY \(key 2 of 2\) is empty/);
    expect(refusal(`${current},,${next}`).message).toMatch(/^TILL_HQ_PUBLIC_KEY \(key 2 of 3\) is empty/);
    expect(refusal(`${current}, ${next.slice(1)}`).message).toBe(
      'TILL_HQ_PUBLIC_KEY (key 2 of 2) must be the 44-character base64 key `add-till` prints',
    );
    expect(refusal(`${current};${next}`).message).toMatch(/^TILL_HQ_PUBLIC_KEY must be the 44-character/);
  });
});
