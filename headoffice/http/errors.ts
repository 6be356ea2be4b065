/**
 * Typed refusals. Every caller mistake becomes one of these with a 4xx status and a stable
 * snake_case code (CONTRACTS.md error format); anything else reaching the top is a defect (500).
 */
import type { z } from 'zod';

export class HttpError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly extra: Record<string, unknown> = {},
    readonly field?: string,
  ) {
    super(message);
    this.name = 'HttpError';
  }
}

/** A zod failure as 400, naming the first bad field by its dotted path. */
export function invalid(code: string, error: z.ZodError): HttpError {
  const issues = error.issues
    .slice(0, 20)
    .map((i) => ({ path: i.path.map(String).join('.') || '(root)', message: i.message }));
  const first = issues[0];
  return new HttpError(400, code, issues.map((i) => `${i.path}: ${i.message}`).join('; '), { issues }, first?.path);
}

export const unauthorized = (message: string, extra: Record<string, unknown> = {}): HttpError =>
  new HttpError(401, 'unauthorized', message, extra);
