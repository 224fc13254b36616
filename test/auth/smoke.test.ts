import { exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";

describe("auth health", () => {
  it("answers /health", async () => {
    const response = await exports.default.fetch("http://auth.test/health");
    expect(response.status).toBe(200);
    expect(await response.json()).toMatchObject({ status: "ok" });
  });
});
