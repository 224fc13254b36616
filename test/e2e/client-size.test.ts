import { describe, expect, it } from "vitest";
import { CLIENT_GZIP_BUDGET_BYTES, clientSize } from "../../scripts/client-size.mjs";

describe("the client SDK's browser entry", () => {
  it(`stays within ${CLIENT_GZIP_BUDGET_BYTES / 1024} KB minified and gzipped, with its dependencies (npm run size)`, async () => {
    const { gzipBytes } = await clientSize();
    expect(gzipBytes).toBeGreaterThan(0);
    expect(gzipBytes).toBeLessThanOrEqual(CLIENT_GZIP_BUDGET_BYTES);
  });
});
