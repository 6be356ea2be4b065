/**
 * Rule-set versions run from 1 to 2^31 - 1 (core/ruleset/schema.ts MAX_RULE_SET_VERSION):
 * PostgreSQL keeps rule_sets.version and sales.rule_version as INTEGER (int4), so a larger
 * version is refused at publishing with 400 invalid_rule_set naming `version`, alike on both
 * stores, rather than publishing on SQLite and failing with 500 on PostgreSQL. The till parses
 * rule sets with the same schema, so it takes the same range.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { DEFAULT_RULE_SET_INPUT } from '../core/ruleset/default.js';
import { InvalidRuleSetError, MAX_RULE_SET_VERSION, parseRuleSet } from '../core/ruleset/schema.js';
import { at, operator, provision, startHq, upload, type TestHq } from './test-helpers.js';

describe('the rule-set schema (head office and till)', () => {
  it('takes versions up to 2^31 - 1 and refuses the next, naming version', () => {
    expect(MAX_RULE_SET_VERSION).toBe(2 ** 31 - 1);
    expect(parseRuleSet({ ...DEFAULT_RULE_SET_INPUT, version: MAX_RULE_SET_VERSION }).version).toBe(
      MAX_RULE_SET_VERSION,
    );
    let error: unknown;
    try {
      parseRuleSet({ ...DEFAULT_RULE_SET_INPUT, version: MAX_RULE_SET_VERSION + 1 });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(InvalidRuleSetError);
    expect((error as InvalidRuleSetError).issues[0]?.path).toBe('version');
  });
});

describe('POST /v1/rulesets', () => {
  let t: TestHq;
  beforeEach(async () => {
    t = await startHq();
  });
  afterEach(async () => {
    await t.close();
  });

  it('publishes version 2147483647, the highest PostgreSQL keeps, and sells under it', async () => {
    const version = MAX_RULE_SET_VERSION;
    const r = await operator(t, 'POST', '/v1/rulesets', { ...DEFAULT_RULE_SET_INPUT, version });
    expect(r.status, JSON.stringify(r.body)).toBe(201);
    expect(r.body).toMatchObject({ status: 'published', version });
    // Publishing it again is a no-op, as for any version.
    expect((await operator(t, 'POST', '/v1/rulesets', { ...DEFAULT_RULE_SET_INPUT, version })).status).toBe(200);
    // A sale records the version in sales.rule_version (INTEGER on PostgreSQL too).
    const A = await provision(t, 'S1', 'A', parseRuleSet({ ...DEFAULT_RULE_SET_INPUT, version }));
    A.enrol('M1', at(0));
    A.sale('M1', 10_000, at(1));
    const up = await upload(t, A, A.batch(1));
    expect(up.status, JSON.stringify(up.body)).toBe(200);
    expect((await operator(t, 'GET', '/v1/members/M1')).body.balance).toBeGreaterThan(0);
  });

  it("refuses a till's batch naming a rule version past it (invalid_batch), not failing to apply it", async () => {
    const A = await provision(t, 'S1', 'A');
    A.enrol('M1', at(0));
    A.sale('M1', 10_000, at(1));
    const text = JSON.stringify(A.batch(1)).replaceAll('"ruleVersion":1', `"ruleVersion":${MAX_RULE_SET_VERSION + 1}`);
    expect(text).toContain(String(MAX_RULE_SET_VERSION + 1));
    const r = await upload(t, A, JSON.parse(text) as ReturnType<typeof A.batch>);
    expect(r.status).toBe(400);
    expect(r.body.error.code).toBe('invalid_batch');
  });

  it('refuses version 2147483648 with 400 invalid_rule_set naming version, on both stores', async () => {
    for (const version of [MAX_RULE_SET_VERSION + 1, 20_261_206_010]) {
      const r = await operator(t, 'POST', '/v1/rulesets', { ...DEFAULT_RULE_SET_INPUT, version });
      expect(r.status, JSON.stringify(r.body)).toBe(400);
      expect(r.body.error).toMatchObject({ code: 'invalid_rule_set', field: 'version' });
    }
  });
});
