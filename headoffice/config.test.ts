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

  it('refuses a port that is not one', () => {
    expect(() => configFromEnv({ HQ_PORT: '70000' })).toThrow(ConfigError);
    expect(configFromEnv({ HQ_PORT: '0' }).port).toBe(0);
  });
});
