/**
 * scan_to_member: in real Chromium against a real till serving the built UI, the time from a
 * keyboard-wedge scan burst's last key (the Enter terminator, as the page receives it) to the
 * scanned member's number in the member panel (DOM committed). Each scan is a member other
 * than the one on screen, so every sample is a full identification (wedge detector, HTTP
 * identify with its settle transaction, React render). One line: median and p95.
 */
import type { Page } from 'playwright-core';
import { chromiumAvailable, launchChromium, signIn, STAFF, startUiTill } from '../test/e2e/helpers.js';
import { median, percentile } from './lib.js';

const SCANS = Number(process.env.SCANS ?? 100);
const WARM_UP = 5;
const MEMBERS = 10;

/**
 * Arms the watcher in the page. Kept as source text: page functions must not pass through a
 * transpiler that adds helpers (tsx names functions with a `__name` helper the page lacks).
 */
const ARM = `(expected) => {
  window.__memberShown = new Promise((resolve) => {
    const obs = new MutationObserver(() => {
      if (document.querySelector('[data-testid="member-no"]')?.textContent !== expected) return;
      obs.disconnect();
      resolve(performance.now() - (window.__lastKeyAt ?? 0));
    });
    obs.observe(document.body, { subtree: true, childList: true, characterData: true });
  });
}`;

/** One scan: arm the watcher, type the burst as a scanner does (5 ms a key), read the time; null if not shown in 3 s. */
async function scanOnce(page: Page, code: string): Promise<number | null> {
  await page.evaluate(`(${ARM})(${JSON.stringify(code)})`);
  await page.keyboard.type(code, { delay: 5 });
  await page.keyboard.press('Enter');
  const shown = page.evaluate('window.__memberShown') as Promise<number>;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const late = new Promise<null>((resolve) => (timer = setTimeout(() => resolve(null), 3000)));
  try {
    return await Promise.race([shown, late]);
  } finally {
    clearTimeout(timer);
  }
}

export async function benchScanToMember(): Promise<string> {
  if (!chromiumAvailable()) return 'scan_to_member: skipped (/usr/bin/chromium is not installed)';
  const till = await startUiTill();
  const browser = await launchChromium();
  try {
    const members: string[] = [];
    for (let i = 0; i < MEMBERS; i++) {
      const r = await till.pos('/v1/members', {
        name: `会员${i}`,
        phone: `1370000${String(1000 + i)}`,
        consent: { marketing: false, text: 'privacy-2026-01' },
      });
      if (r.status !== 201) throw new Error(`enrolment failed: ${JSON.stringify(r.body)}`);
      members.push(r.body.memberNo as string);
    }
    const page = await browser.newPage({ viewport: { width: 1366, height: 768 } });
    // Registered before the UI's own capture listener (which swallows the burst's keys).
    await page.addInitScript(
      "window.addEventListener('keydown', () => { window.__lastKeyAt = performance.now(); }, { capture: true });",
    );
    await page.goto(till.url);
    await signIn(page, STAFF.cashier);
    await page.locator('input[name="identify"]').waitFor();
    const samples: number[] = [];
    let missed = 0;
    for (let i = 0; i < WARM_UP + SCANS; i++) {
      const ms = await scanOnce(page, members[i % MEMBERS] as string);
      if (ms === null) {
        missed++;
        await page
          .getByTestId('member-clear')
          .click()
          .catch(() => {});
      } else if (i >= WARM_UP) samples.push(ms);
    }
    if (samples.length === 0) throw new Error('no scan showed its member');
    const f = (v: number): string => v.toFixed(1);
    return `scan_to_member: median ${f(median(samples))} ms, p95 ${f(percentile(samples, 95))} ms from a wedge burst's last key to the member shown (${samples.length} scans of 13-digit codes at 5 ms/key, Chromium, real till${missed ? `; ${missed} bursts not recognised` : ''})`;
  } finally {
    await browser.close();
    await till.close();
  }
}

// `npx tsx bench/scan-to-member.ts` runs it alone.
if (process.argv[1] && /scan-to-member\.ts$/.test(process.argv[1])) {
  benchScanToMember().then(
    (line) => process.stdout.write(`${line}\n`),
    (e: unknown) => {
      process.stderr.write(`scan_to_member failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}\n`);
      process.exit(1);
    },
  );
}
