import { env, exports } from "cloudflare:workers";
import { describe, expect, it } from "vitest";
import { seedServiceClient } from "../support/auth-db.js";
import { errorOf, ORIGIN, postJson } from "../support/http.js";
import { inOneWindow } from "../support/rate-limit-window.js";
import { openSession, type TestSocket } from "../support/ws.js";

async function publisher(permissions: string[] = ["events:publish"], audiences = ["tether-backend"]) {
  const client = await seedServiceClient(env.AUTH_DB, { audiences, permissions });
  const minted = await postJson(exports.default, "/auth/service-token", { service_id: client.id, service_secret: client.secret });
  expect(minted.status).toBe(200);
  return ((await minted.json()) as { access_token: string }).access_token;
}

function publish(token: string | null, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  const all: Record<string, string> = { "Content-Type": "application/json", ...headers };
  if (token !== null) all.Authorization = `Bearer ${token}`;
  return exports.default.fetch(`${ORIGIN}/api/events`, {
    method: "POST",
    headers: all,
    body: typeof body === "string" ? body : JSON.stringify(body),
  });
}

/** Every frame the server sent `socket` so far has arrived: a pong comes after them. */
async function notificationsSoFar(socket: TestSocket) {
  socket.send({ type: "ping", id: crypto.randomUUID(), payload: {} });
  await socket.next("pong");
  return socket.frames.filter((frame) => frame.type === "notification");
}

describe("POST /api/events refuses bad callers and bad events, and sends nothing", () => {
  it("answers each bad request with its status and the one error shape, and no frame reaches the user", async () => {
    const token = await publisher();
    const { socket, tokens, userId } = await openSession(exports.default);
    const event = { user_id: userId, name: "report.ready", data: { ok: true } };
    const cases: Array<[what: string, response: Promise<Response>, status: number, code: string]> = [
      ["no token", publish(null, event), 401, "service_token_required"],
      ["a user's access token", publish(tokens.access_token, event), 403, "permission_denied"],
      ["a service token without events:publish", publish(await publisher(["tokens:validate"]), event), 403, "permission_denied"],
      [
        "a service token addressed to auth only",
        publish(await publisher(["events:publish"], ["tether-auth"]), event),
        401,
        "invalid_service",
      ],
      ["a name with capitals", publish(token, { ...event, name: "Report" }), 400, "validation_failed"],
      ["a name starting with a digit", publish(token, { ...event, name: "1report" }), 400, "validation_failed"],
      ["a name with a space", publish(token, { ...event, name: "report ready" }), 400, "validation_failed"],
      ["a name of 65 characters", publish(token, { ...event, name: "a".repeat(65) }), 400, "validation_failed"],
      ["no data", publish(token, { user_id: userId, name: "report.ready" }), 400, "validation_failed"],
      ["an unknown field", publish(token, { ...event, priority: "high" }), 400, "validation_failed"],
      ["an overlong thread_id", publish(token, { ...event, thread_id: "t".repeat(65) }), 400, "validation_failed"],
      ["data over 16 KiB", publish(token, { ...event, data: "x".repeat(16 * 1024) }), 413, "payload_too_large"],
      ["a body over 24 KiB", publish(token, { ...event, data: "x".repeat(30 * 1024) }), 413, "payload_too_large"],
      ["text that is not JSON", publish(token, "{not json"), 400, "invalid_json"],
      ["another content type", publish(token, JSON.stringify(event), { "Content-Type": "text/plain" }), 415, "unsupported_media_type"],
    ];
    for (const [what, pending, status, code] of cases) {
      const response = await pending;
      expect({ what, status: response.status, code: (await errorOf(response)).code }).toEqual({ what, status, code });
    }
    expect(await notificationsSoFar(socket)).toEqual([]);
  });

  it("takes data of exactly 16 KiB", async () => {
    const token = await publisher();
    const { socket, userId } = await openSession(exports.default);
    // A JSON string of 16 KiB: the quotes count.
    const response = await publish(token, { user_id: userId, name: "big", data: "x".repeat(16 * 1024 - 2) });
    expect(response.status).toBe(202);
    expect((await socket.next("notification")).payload.name).toBe("big");
  });

  it("answers 202 with sessions 0 for an unknown user, and no socket gets a frame", async () => {
    const token = await publisher();
    const { socket, userId } = await openSession(exports.default);
    const response = await publish(token, { user_id: `nobody-${crypto.randomUUID()}`, name: "report.ready", data: 1 });
    expect(response.status).toBe(202);
    expect(await response.json()).toEqual({ event_id: expect.any(String), sessions: 0 });
    expect(userId).not.toBe("");
    expect(await notificationsSoFar(socket)).toEqual([]);
  });
});

describe("POST /api/events is rate limited per user and per publisher", () => {
  it("refuses the 61st event for one user within a minute with 429 and Retry-After", async () => {
    const token = await publisher();
    const refused = await inOneWindow(async () => {
      const userId = `limit-${crypto.randomUUID()}`;
      for (let count = 0; count < 60; count += 1) {
        expect((await publish(token, { user_id: userId, name: "tick", data: count })).status).toBe(202);
      }
      return publish(token, { user_id: userId, name: "tick", data: 60 });
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("60");
    expect((await errorOf(refused)).code).toBe("rate_limited");
    // Another user is not held back by that one's limit.
    expect((await publish(token, { user_id: `limit-${crypto.randomUUID()}`, name: "tick", data: 0 })).status).toBe(202);
  });

  it("refuses a publisher's 601st event within a minute, whoever it is for", async () => {
    const refused = await inOneWindow(async () => {
      const token = await publisher();
      for (let count = 0; count < 600; count += 1) {
        const response = await publish(token, { user_id: `fan-${crypto.randomUUID()}`, name: "tick", data: count });
        if (response.status !== 202) throw new Error(`event ${count} answered ${response.status}`);
      }
      return publish(token, { user_id: `fan-${crypto.randomUUID()}`, name: "tick", data: 600 });
    });
    expect(refused.status).toBe(429);
    expect(refused.headers.get("Retry-After")).toBe("60");
    expect(await errorOf(refused)).toEqual({ code: "rate_limited", message: "Too many events from this publisher; try again later." });
  }, 60_000);
});
