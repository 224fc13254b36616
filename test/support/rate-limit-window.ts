/**
 * @module
 * The rate-limit binding counts in windows aligned to the clock (Miniflare's like Cloudflare's; 60 s
 * for ours): a burst that straddles a window's end is counted in two, and a test of "the 21st is
 * refused" then sees it admitted. `inOneWindow` runs the burst again if its first run straddled one
 * — the burst must use fresh identities (addresses, accounts) each time it runs.
 */
export async function inOneWindow<T>(burst: () => Promise<T>, windowMs = 60_000): Promise<T> {
  const startedIn = Math.floor(Date.now() / windowMs);
  const result = await burst();
  return Math.floor(Date.now() / windowMs) === startedIn ? result : burst();
}
