/**
 * @module
 * The e2e project's global setup and teardown (vitest `globalSetup`): whatever wrangler or workerd
 * processes the tests started and did not stop — a failed `beforeAll`, a crashed worker — are
 * stopped when the run ends, and any left by an earlier run that was killed are stopped first.
 */
import { stopAllTracked } from "./processes.js";

export function setup(): void {
  stopAllTracked();
}

export function teardown(): void {
  const left = stopAllTracked();
  if (left > 0) console.warn(`stopped ${left} test process group(s) that a test left running`);
}
