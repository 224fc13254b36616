import { createExecutionContext, waitOnExecutionContext } from "cloudflare:test";
import { env } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import type { AuthBindings } from "../../workers/auth/config.js";
import { relyingPartyProblem } from "../../workers/auth/passkeys/relying-party.js";
import authApp from "../../workers/demo/auth.js";
import { errorOf, freshClientIp } from "../support/http.js";

/** WEBAUTHN_RP_ID and WEBAUTHN_ORIGINS: off when empty (the deployable default), checked when set. */
async function call(vars: Partial<AuthBindings>, path: string): Promise<Response> {
  const ctx = createExecutionContext();
  const request = new Request(`http://localhost${path}`, {
    method: "POST",
    headers: { "Content-Type": "application/json", "CF-Connecting-IP": freshClientIp() },
    body: "{}",
  });
  const response = await authApp.fetch(request, { ...env, ...vars }, ctx);
  await waitOnExecutionContext(ctx);
  return response;
}

describe("the relying party's settings", () => {
  it("turn passkeys off when empty: 503 passkeys_unavailable", async () => {
    const response = await call({ WEBAUTHN_RP_ID: "", WEBAUTHN_ORIGINS: "" }, "/auth/passkeys/login/options");
    expect(response.status).toBe(503);
    expect((await errorOf(response)).code).toBe("passkeys_unavailable");
  });

  it.each([
    [{ WEBAUTHN_RP_ID: "tether.example", WEBAUTHN_ORIGINS: "" }, /together/],
    [{ WEBAUTHN_RP_ID: "tether.example", WEBAUTHN_ORIGINS: "http://tether.example" }, /must be https/],
    [{ WEBAUTHN_RP_ID: "tether.example", WEBAUTHN_ORIGINS: "https://tether.example.evil" }, /is not on tether.example/],
    [{ WEBAUTHN_RP_ID: "tether.example", WEBAUTHN_ORIGINS: "https://tether.example/app" }, /is not an origin/],
  ])("name a problem when they do not fit together (%j), and keep passkeys off", async (vars, problem) => {
    expect(relyingPartyProblem(vars)).toMatch(problem);
    expect((await errorOf(await call(vars, "/auth/passkeys/login/options"))).code).toBe("passkeys_unavailable");
  });

  it("accept an origin on a subdomain of the rp id, and loopback over http", () => {
    expect(
      relyingPartyProblem({ WEBAUTHN_RP_ID: "tether.example", WEBAUTHN_ORIGINS: "https://app.tether.example https://tether.example" }),
    ).toBeNull();
    expect(relyingPartyProblem({ WEBAUTHN_RP_ID: "localhost", WEBAUTHN_ORIGINS: "http://localhost:8787" })).toBeNull();
  });
});
