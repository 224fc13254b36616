import { defineConfig } from "vitest/config";

// The tests start the app as `npm run dev` does (test/dev-server.ts) and talk to it over real HTTP
// and WebSockets: the first start bundles both Workers, so hooks get time.
export default defineConfig({
  test: { environment: "node", hookTimeout: 120_000, testTimeout: 30_000 },
});
