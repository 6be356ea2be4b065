/** A response body read to its end (or its abort) in the background, each chunk as text into `into`. */
export function collectText(res: Response, into: string[]): void {
  void (async () => {
    const reader = res.body!.getReader();
    for (;;) {
      const { value, done } = await reader.read().catch(() => ({ value: undefined, done: true }));
      if (done) break;
      into.push(Buffer.from(value!).toString('utf8'));
    }
  })();
}
