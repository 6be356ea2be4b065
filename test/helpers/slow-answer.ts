/**
 * A slow answer on purpose, for tests of what a page does when an older answer comes after a
 * newer one: the page's next request to `url` reaches the server at once, and its answer
 * reaches the page `ms` later. Requests after it pass untouched.
 */
import type { Page, Route } from 'playwright-core';

export interface SlowAnswer {
  /** the request is being held */
  asked: Promise<void>;
  /** the page has been handed the late answer */
  answered: Promise<void>;
  /** removes the hold */
  done(): Promise<void>;
}

export async function slowNextAnswer(page: Page, url: string, ms: number): Promise<SlowAnswer> {
  let held = false;
  let onAsked!: () => void;
  let onAnswered!: () => void;
  const asked = new Promise<void>((r) => (onAsked = r));
  const answered = new Promise<void>((r) => (onAnswered = r));
  const handler = async (route: Route): Promise<void> => {
    if (held) return route.continue();
    held = true;
    onAsked();
    const answer = await route.fetch();
    await new Promise((r) => setTimeout(r, ms));
    await route.fulfill({ response: answer });
    onAnswered();
  };
  await page.route(url, handler);
  return { asked, answered, done: () => page.unroute(url, handler) };
}
