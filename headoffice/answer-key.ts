/**
 * Rotating head office's answer-signing key with an overlap (headoffice/README.md, "Rotating
 * the answer key"), so no till has to change at the same moment as head office:
 *
 * 1. `new-answer-key` stages HQ_DATA_DIR/answer-key.next.pem (0600, never printed) and prints
 *    TILL_HQ_PUBLIC_KEY=<current>,<next>: a till given both accepts answers signed by either.
 * 2. `promote-answer-key`, once every till holds both, renames the staged file over
 *    answer-key.pem: one atomic rename, so a process starting meanwhile reads the old key or
 *    the new one, never half of one. The old private key is gone with it (a retired key has
 *    nothing left to sign, and a key kept on disk is one more to leak); a till still holding
 *    only the old key stops applying answers until it is given the new line.
 * 3. Head-office processes read the key at start only (server.ts): each is restarted after the
 *    promotion. While they restart one by one some sign with the old key and some with the
 *    new; tills holding both accept both. Then every till is given TILL_HQ_PUBLIC_KEY=<new>.
 */
import { closeSync, fsyncSync, openSync, renameSync } from 'node:fs';
import type { KeyObject } from 'node:crypto';
import { join } from 'node:path';
import { hqPublicKeyText } from '../core/sync/sign.js';
import { createAnswerKeyFile, readAnswerKeyFile } from './crypto.js';
import { ANSWER_KEY_FILE, openAnswerKey } from './open.js';

export const NEXT_ANSWER_KEY_FILE = 'answer-key.next.pem';

/** `promote-answer-key` with no key staged (or staged and promoted by another command meanwhile). */
export class NoStagedAnswerKeyError extends Error {
  readonly code = 'no_staged_answer_key';
  constructor() {
    super(
      'no next answer key is staged: `new-answer-key` stages one (headoffice/README.md, "Rotating the answer key")',
    );
  }
}

export interface StagedAnswerKey {
  current: KeyObject;
  next: KeyObject;
  /** false: a next key was already staged and is kept, so tills given its line keep working */
  created: boolean;
}

function isMissing(e: unknown): boolean {
  return (e as NodeJS.ErrnoException).code === 'ENOENT';
}

/**
 * Stages the next key, or keeps the one already staged: staging again must not invalidate
 * the pair some tills may already have been given.
 */
export function stageNextAnswerKey(dataDir: string): StagedAnswerKey {
  const current = openAnswerKey(dataDir);
  const file = join(dataDir, NEXT_ANSWER_KEY_FILE);
  const created = createAnswerKeyFile(file);
  return { current, next: created ?? readAnswerKeyFile(file), created: created !== null };
}

/** The staged next key; null when none is staged. */
export function stagedAnswerKey(dataDir: string): KeyObject | null {
  try {
    return readAnswerKeyFile(join(dataDir, NEXT_ANSWER_KEY_FILE));
  } catch (e) {
    if (isMissing(e)) return null;
    throw e;
  }
}

/** The staged key becomes answer-key.pem (the old one is deleted); returns it. Throws NoStagedAnswerKeyError. */
export function promoteNextAnswerKey(dataDir: string): KeyObject {
  // Read first: a staged file that does not hold a key must not replace a good one.
  const next = stagedAnswerKey(dataDir);
  if (!next) throw new NoStagedAnswerKeyError();
  try {
    renameSync(join(dataDir, NEXT_ANSWER_KEY_FILE), join(dataDir, ANSWER_KEY_FILE));
  } catch (e) {
    if (isMissing(e)) throw new NoStagedAnswerKeyError();
    throw e;
  }
  syncFolder(dataDir);
  return next;
}

/** The rename is durable once the folder is flushed: a crash must not bring the old key back. */
function syncFolder(dir: string): void {
  if (process.platform === 'win32') return; // a folder cannot be opened for fsync there
  const fd = openSync(dir, 'r');
  try {
    fsyncSync(fd);
  } finally {
    closeSync(fd);
  }
}

/**
 * TILL_HQ_PUBLIC_KEY as tills should hold it now: head office's current key and, while one is
 * staged, the next after a comma (core/sync/sign.ts parseHqPublicKeys). Creates the current
 * key if the data folder has none yet, as `public-key` always has.
 */
export function tillHqPublicKeys(dataDir: string): string {
  // The staged key first: a promotion between the two reads then gives the new key twice, not the old one alone.
  const next = stagedAnswerKey(dataDir);
  const current = hqPublicKeyText(openAnswerKey(dataDir));
  return next ? `${current},${hqPublicKeyText(next)}` : current;
}
