import { env, exports } from "cloudflare:workers";
import { decodeJwt } from "jose";
import { describe, expect, it } from "vitest";
import { countRows } from "../support/auth-db.js";
import { errorOf, postJson, postWithBearer, registerUser, uniqueEmail, type TokenResponse } from "../support/http.js";

/** How a session signed in travels in its tokens (`amr`, `auth_time`), and sensitive routes want it recent. */
const db = env.AUTH_DB;
const RECENT_AUTH_SECONDS = 600;

const claimsOf = (body: TokenResponse) => decodeJwt(body.access_token);
const sessionIdOf = (body: TokenResponse) => String(claimsOf(body).sid);

/** Moves a session's sign-in back by `seconds`, as if that long had passed since. */
async function signedInAgo(body: TokenResponse, seconds: number): Promise<number> {
  const authTime = Date.now() - seconds * 1000;
  await db.prepare("UPDATE sessions SET auth_time = ? WHERE id = ?").bind(authTime, sessionIdOf(body)).run();
  return authTime;
}

describe("amr and auth_time", () => {
  it("say a password sign-up signed in with a password, when it did", async () => {
    const user = await registerUser(exports.default);
    const claims = claimsOf(user);
    expect(claims.amr).toEqual(["pwd"]);
    expect(claims.auth_time).toBe(claims.iat);
  });

  it("say a password login was one, and dev login was development's shortcut", async () => {
    const user = await registerUser(exports.default);
    const login = await postJson(exports.default, "/auth/login", { email: user.user.email, password: "correct horse battery staple" });
    expect(claimsOf((await login.json()) as TokenResponse).amr).toEqual(["pwd"]);
    const dev = await postJson(exports.default, "/auth/dev/login", { email: uniqueEmail("dev") });
    expect(claimsOf((await dev.json()) as TokenResponse).amr).toEqual(["dev"]);
  });

  it("stay as the sign-in set them across refreshes", async () => {
    const user = await registerUser(exports.default);
    const authTime = await signedInAgo(user, 3600);
    const refreshed = await postJson(exports.default, "/auth/refresh", { refresh_token: user.refresh_token });
    expect(refreshed.status).toBe(200);
    const claims = claimsOf((await refreshed.json()) as TokenResponse);
    expect(claims.amr).toEqual(["pwd"]);
    expect(claims.auth_time).toBe(Math.floor(authTime / 1000));
  });
});

describe("a sensitive route", () => {
  it(`answers 403 reauth_required past RECENT_AUTH_SECONDS (${RECENT_AUTH_SECONDS}) and changes nothing`, async () => {
    const user = await registerUser(exports.default);
    await signedInAgo(user, RECENT_AUTH_SECONDS + 5);
    const refused = await postWithBearer(exports.default, "/auth/logout-all", user.access_token);
    expect(refused.status).toBe(403);
    expect((await errorOf(refused)).code).toBe("reauth_required");
    expect(await countRows(db, "sessions", "user_id = ? AND revoked_at IS NULL", user.user.id)).toBe(1);
  });

  it("goes ahead within the window", async () => {
    const user = await registerUser(exports.default);
    await signedInAgo(user, RECENT_AUTH_SECONDS - 60);
    expect((await postWithBearer(exports.default, "/auth/logout-all", user.access_token)).status).toBe(204);
    expect(await countRows(db, "sessions", "user_id = ? AND revoked_at IS NULL", user.user.id)).toBe(0);
  });

  it("does not count a refresh as a sign-in", async () => {
    const user = await registerUser(exports.default);
    await signedInAgo(user, RECENT_AUTH_SECONDS + 5);
    const refreshed = (await (
      await postJson(exports.default, "/auth/refresh", { refresh_token: user.refresh_token })
    ).json()) as TokenResponse;
    const refused = await postWithBearer(exports.default, "/auth/logout-all", refreshed.access_token);
    expect((await errorOf(refused)).code).toBe("reauth_required");
  });
});
