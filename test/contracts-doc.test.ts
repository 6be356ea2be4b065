/**
 * Issue 14: the README pointed at a contract outside the repository. docs/contracts.md holds it,
 * the README links to it, and it names every environment variable the till and head office read
 * and every POS endpoint the till serves (the cashier UI's /v1/staff endpoints are listed in
 * docs/cashier-ui.md).
 */
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openApiDocument } from '../main/api/openapi.js';
import { routes } from '../main/api/routes.js';
import { ROOT } from './e2e/helpers.js';

const read = (p: string): string => readFileSync(join(ROOT, p), 'utf8');
const contract = read('docs/contracts.md');

function envRead(file: string): string[] {
  return [...read(file).matchAll(/\benv\.((?:TILL|HQ)_[A-Z_]+)/g)].map((m) => m[1] as string);
}

describe('docs/contracts.md', () => {
  it('is what the README links to, not a file outside the repository', () => {
    const readme = read('README.md');
    expect(readme).toContain('(docs/contracts.md)');
    expect(readme).not.toContain('../shared/docs/CONTRACTS.md');
  });

  it('names every environment variable the till and head office read', () => {
    const files = ['main/service/config.ts', 'main/service/cli.ts', 'headoffice/config.ts', 'headoffice/cli.ts'];
    const vars = new Set(files.flatMap(envRead));
    expect(vars.size).toBeGreaterThan(20);
    expect([...vars].filter((v) => !contract.includes(`\`${v}\``))).toEqual([]);
  });

  it('names every POS endpoint of the OpenAPI document', () => {
    const doc = openApiDocument(routes({ hqUrl: null })) as { paths: Record<string, Record<string, unknown>> };
    const ops = Object.entries(doc.paths).flatMap(([path, o]) =>
      Object.keys(o).map((m) => `${m.toUpperCase()} ${path}`),
    );
    expect(ops.length).toBeGreaterThan(10);
    expect(ops.filter((op) => !op.includes('/v1/staff/') && !contract.includes(op))).toEqual([]);
  });
});
