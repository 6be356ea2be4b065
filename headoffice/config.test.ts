/** Head office's settings from the environment (config.ts): a wrong value stops the start with its reason. */
import { describe, expect, it } from 'vitest';
import { ConfigError, configFromEnv } from './config.js';

describe('configFromEnv', () => {
  it('takes HQ_MEMBER_CACHE_SIZE as a whole number of at least 2, and the default when unset', () => {
    expect(configFromEnv({}).memberCacheSize).toBeNull();
    expect(configFromEnv({ HQ_MEMBER_CACHE_SIZE: '' }).memberCacheSize).toBeNull();
    expect(configFromEnv({ HQ_MEMBER_CACHE_SIZE: '100000' }).memberCacheSize).toBe(100_000);
    for (const bad of ['1', '0', '-5', '2.5', 'lots', '1e99x']) {
      expect(() => configFromEnv({ HQ_MEMBER_CACHE_SIZE: bad }), bad).toThrow(ConfigError);
      expect(() => configFromEnv({ HQ_MEMBER_CACHE_SIZE: bad }), bad).toThrow(/HQ_MEMBER_CACHE_SIZE/);
    }
  });

  it('takes HQ_MAX_BODIES_PER_CLIENT as a whole number of at least 1', () => {
    expect(configFromEnv({}).maxBodiesPerClient).toBeNull();
    expect(configFromEnv({ HQ_MAX_BODIES_PER_CLIENT: '64' }).maxBodiesPerClient).toBe(64);
    for (const bad of ['0', '-1', '1.5', 'many']) {
      expect(() => configFromEnv({ HQ_MAX_BODIES_PER_CLIENT: bad }), bad).toThrow(/HQ_MAX_BODIES_PER_CLIENT/);
    }
  });

  it('takes HQ_METRICS_TOKEN of at least 16 characters, other than the operator token', () => {
    expect(configFromEnv({}).metricsToken).toBeNull();
    expect(configFromEnv({ HQ_METRICS_TOKEN: 'scrape-9f2c41d7e8a0' }).metricsToken).toBe('scrape-9f2c41d7e8a0');
    for (const bad of ['short', 'has a space in it!!', '\tscrape-9f2c41d7e8a0']) {
      expect(() => configFromEnv({ HQ_METRICS_TOKEN: bad }), bad).toThrow(/HQ_METRICS_TOKEN/);
    }
    const same = 'the-same-token-for-both';
    expect(() => configFromEnv({ HQ_METRICS_TOKEN: same, HQ_OPERATOR_TOKEN: same })).toThrow(/differ/);
  });

  it('takes HQ_FEED_GZIP as on (the default) or off, and refuses anything else', () => {
    expect(configFromEnv({}).feedGzip).toBe(true);
    expect(configFromEnv({ HQ_FEED_GZIP: 'on' }).feedGzip).toBe(true);
    expect(configFromEnv({ HQ_FEED_GZIP: ' OFF ' }).feedGzip).toBe(false);
    for (const bad of ['0', 'false', 'gzip']) {
      expect(() => configFromEnv({ HQ_FEED_GZIP: bad }), bad).toThrow(/HQ_FEED_GZIP/);
    }
  });

  it('refuses a port that is not one', () => {
    expect(() => configFromEnv({ HQ_PORT: '70000' })).toThrow(ConfigError);
    expect(configFromEnv({ HQ_PORT: '0' }).port).toBe(0);
  });
});
