import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedServiceClient } from "../../support/auth-db.js";
import { postJson } from "../../support/http.js";

/**
 * Token introspection shows a service token as valid only to the service it is addressed to. The
 * caller is its token's subject — a registered client's id — never its `service` name: names are
 * free text, so a client registered under another service's name must not see that service's
 * tokens as valid (and so learn they work, or replay them).
 */
const db = env.AUTH_DB;

async function tokenOf(client: { id: string; secret: string }): Promise<string> {
  const response = await postJson(exports.default, "/auth/service-token", { service_id: client.id, service_secret: client.secret });
  expect(response.status).toBe(200);
  return ((await response.json()) as { access_token: string }).access_token;
}

const introspect = (callerToken: string, token: string) =>
  postJson(exports.default, "/auth/validate", { token }, { Authorization: `Bearer ${callerToken}` });

describe("POST /auth/validate of a service token", () => {
  it("is refused to a caller whose name matches the token's audience but whose id does not", async () => {
    const victim = `svc-billing-${crypto.randomUUID()}`;
    // The victim's callers address their tokens to it; an impostor registers under the victim's id as its name.
    const sender = await seedServiceClient(db, { audiences: ["tether-auth", victim] });
    const impostor = await seedServiceClient(db, { name: victim, permissions: ["tokens:validate"] });
    const answer = await introspect(await tokenOf(impostor), await tokenOf(sender));
    expect(answer.status).toBe(200);
    expect(await answer.json()).toEqual({ valid: false, reason: expect.any(String) });
  });

  it("is valid to the service whose id the token is addressed to, whatever that service is named", async () => {
    const caller = await seedServiceClient(db, { name: "a name anyone could take", permissions: ["tokens:validate"] });
    const sender = await seedServiceClient(db, { audiences: ["tether-auth", caller.id] });
    const answer = await introspect(await tokenOf(caller), await tokenOf(sender));
    expect(await answer.json()).toMatchObject({ valid: true, token_type: "service", service_id: sender.id });
  });
});
