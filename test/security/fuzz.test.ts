import { createLocalJWKSet, generateKeyPair, exportJWK } from "jose";
import { env, exports } from "cloudflare:workers";
import fc from "fast-check";
import { beforeAll, describe, expect, it } from "vitest";
import { checkReturnTo, originAllowed, parseAllowedOrigins } from "../../workers/auth/oauth/return-origins.js";
import { BACKEND_SETTINGS } from "../../workers/shared/backend-config.js";
import { CLIENT_FRAME_TYPES, readClientFrame } from "../../workers/shared/client-frames.js";
import { ApiError } from "../../workers/shared/errors.js";
import { verifyServiceToken } from "../../workers/shared/service-token.js";
import { TokenError } from "../../workers/shared/token-errors.js";
import { ORIGIN, postJson, registerUser, type TokenResponse } from "../support/http.js";
import { openSocket } from "../support/ws.js";

/**
 * Property-based fuzzing (fast-check): whatever arrives, the frame parser, the return_to check, the
 * request-body schemas, the service-token verifier and the RPC entrypoints answer at their
 * boundary — a typed refusal, never an exception past it, never a 500 — and a session that has
 * been sent garbage still serves the next good frame.
 */
const sessionControl = exports.SessionControl;

const FRAME_ERROR_CODES = ["binary_not_supported", "frame_too_large", "invalid_json", "invalid_frame", "unknown_type"];

/** Frames a hostile or buggy client might send: text, JSON of any shape, near-valid envelopes, binary. */
const frameish = fc.oneof(
  fc.string({ maxLength: 300 }),
  fc.jsonValue({ maxDepth: 4 }).map((value) => JSON.stringify(value) ?? "null"),
  fc
    .record(
      {
        type: fc.oneof(fc.constantFrom(...CLIENT_FRAME_TYPES), fc.string({ maxLength: 20 })),
        id: fc.oneof(fc.uuid(), fc.string({ maxLength: 200 }), fc.integer(), fc.constant(null)),
        payload: fc.oneof(
          fc.jsonValue({ maxDepth: 3 }),
          fc.record({ content: fc.string({ maxLength: 50 }), thread_id: fc.string({ maxLength: 80 }) }, { requiredKeys: [] }),
        ),
      },
      { requiredKeys: [] },
    )
    .map((frame) => JSON.stringify(frame)),
);

describe("the frame parser", () => {
  it("answers every input with a frame it validated or a typed error, and never throws", () => {
    fc.assert(
      fc.property(
        fc.oneof(
          frameish,
          fc.uint8Array({ maxLength: 100 }).map((bytes) => bytes.buffer as ArrayBuffer),
        ),
        (input) => {
          const reading = readClientFrame(input);
          if (reading.ok) expect(CLIENT_FRAME_TYPES).toContain(reading.frame.type);
          else {
            expect(FRAME_ERROR_CODES).toContain(reading.tooLarge ? "frame_too_large" : reading.code);
            expect(reading.message.length).toBeGreaterThan(0);
          }
        },
      ),
      { numRuns: 2000 },
    );
  });

  it("lets no generated frame break the session: the next good frame is answered", async () => {
    // The flood budget counts per session across sockets and reconnects (120 frames per 10 s):
    // a fresh session whenever the next case would pass it, so only the frames themselves are tested.
    const budget: number = BACKEND_SETTINGS.wsMaxFramesPerWindow.default;
    let session = { token: "", frames: budget };
    const tokenFor = async (frames: number) => {
      if (session.frames + frames > budget) session = { token: (await registerUser(exports.default)).access_token, frames: 0 };
      session.frames += frames;
      return session.token;
    };
    await fc.assert(
      fc.asyncProperty(fc.array(frameish, { minLength: 1, maxLength: 8 }), async (frames) => {
        const socket = await openSocket(exports.default, { token: await tokenFor(frames.length + 1) });
        await socket.next("connection_established");
        for (const frame of frames) socket.send(frame);
        socket.send({ type: "ping", id: "good", payload: {} });
        // A generated frame may itself be a valid ping, answered first: the good one's pong is the one awaited.
        await socket.until((received) => received.some((frame) => frame.type === "pong" && frame.reply_to === "good"));
        expect(socket.closeEvent).toBeNull();
        socket.close();
      }),
      { numRuns: 40 },
    );
  });
});

describe("the return_to check", () => {
  const rules = parseAllowedOrigins("https://app.example http://localhost:8787 https://*.preview.example");
  const allowedLike = fc
    .tuple(
      fc.constantFrom("https://app.example", "http://localhost:8787", "https://pr-7.preview.example"),
      fc.string({ maxLength: 12 }),
      fc.nat(40),
      fc.string({ maxLength: 20 }),
    )
    .map(([base, insert, at, tail]) => `${base.slice(0, at)}${insert}${base.slice(at)}${tail}`);

  it("either refuses with invalid_return_to or returns a URL on an allowed origin", () => {
    fc.assert(
      fc.property(
        fc.oneof(fc.string({ maxLength: 200 }), fc.webUrl({ withQueryParameters: true, withFragments: true }), allowedLike),
        (raw) => {
          let url: URL;
          try {
            url = checkReturnTo(raw, rules);
          } catch (error) {
            expect(error).toBeInstanceOf(ApiError);
            expect((error as ApiError).code).toBe("invalid_return_to");
            return;
          }
          const exact = ["https://app.example", "http://localhost:8787"].includes(url.origin);
          const preview = url.protocol === "https:" && url.port === "" && /^[a-z0-9-]+\.preview\.example$/.test(url.hostname);
          expect(exact || preview, raw).toBe(true);
          expect(url.username + url.password + url.hash).toBe("");
        },
      ),
      { numRuns: 3000 },
    );
  });

  it("answers whether an Origin header is allowed without ever throwing", () => {
    fc.assert(
      fc.property(fc.oneof(fc.string({ maxLength: 100 }), fc.webUrl(), allowedLike), (origin) => {
        expect(typeof originAllowed(origin, rules)).toBe("boolean");
      }),
      { numRuns: 2000 },
    );
  });
});

describe("request bodies", () => {
  let serviceToken: string;
  beforeAll(async () => {
    const grant = await env.AUTH.issueServiceToken(env.AUTH_SERVICE_ID, env.AUTH_SERVICE_SECRET);
    if (!grant.ok) throw new Error(grant.error.code);
    serviceToken = grant.value.access_token;
  });

  const routes = [
    "/auth/register",
    "/auth/login",
    "/auth/dev/login",
    "/auth/refresh",
    "/auth/service-token",
    "/auth/oauth/handoff",
    "/auth/validate",
  ];
  const bodies = fc.oneof(
    fc.jsonValue({ maxDepth: 3 }).map((value) => JSON.stringify(value) ?? "null"),
    fc.string({ maxLength: 200 }),
    fc
      .record(
        {
          email: fc.oneof(fc.emailAddress(), fc.string()),
          password: fc.string(),
          name: fc.string(),
          refresh_token: fc.string(),
          code: fc.string(),
          token: fc.string(),
          service_id: fc.string(),
          service_secret: fc.string(),
        },
        { requiredKeys: [] },
      )
      .map((value) => JSON.stringify(value)),
  );

  it("never get a 500, and every refusal has the error shape without a stack trace", async () => {
    await fc.assert(
      fc.asyncProperty(fc.constantFrom(...routes), bodies, async (route, body) => {
        const headers: Record<string, string> = route === "/auth/validate" ? { Authorization: `Bearer ${serviceToken}` } : {};
        const response = await postJson(exports.default, route, body, headers);
        expect(response.status, `${route} ${body}`).toBeLessThan(500);
        const text = await response.text();
        if (response.status >= 400) {
          const parsed = JSON.parse(text) as { error: { code: string; message: string } };
          expect(parsed.error).toEqual({ code: expect.any(String), message: expect.any(String) });
        }
        expect(text).not.toMatch(/\n\s+at |\.js:\d+|\.ts:\d+/);
      }),
      { numRuns: 300 },
    );
  });

  it("and query strings of the list routes never get a 500", async () => {
    const user: TokenResponse = await registerUser(exports.default);
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom("/api/threads", `/api/threads/${crypto.randomUUID()}/messages`),
        fc.dictionary(fc.string({ maxLength: 10 }), fc.string({ maxLength: 30 }), { maxKeys: 3 }),
        async (path, query) => {
          const response = await exports.default.fetch(`${ORIGIN}${path}?${new URLSearchParams(query)}`, {
            headers: { Authorization: `Bearer ${user.access_token}` },
          });
          expect(response.status).toBeLessThan(500);
          await response.arrayBuffer();
        },
      ),
      { numRuns: 150 },
    );
  });
});

describe("the service-token verifier and the RPC entrypoints", () => {
  it("verifyServiceToken only ever refuses garbage with a TokenError", async () => {
    const { publicKey } = await generateKeyPair("ES256", { extractable: true });
    const keys = createLocalJWKSet({ keys: [{ ...(await exportJWK(publicKey)), kid: "k", alg: "ES256" }] });
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.string({ maxLength: 400 }),
          fc.tuple(fc.base64String(), fc.base64String(), fc.base64String()).map((parts) => parts.join(".")),
        ),
        async (token) => {
          await expect(
            verifyServiceToken(token, keys, { issuer: "http://localhost:8787", audience: "tether-auth" }),
          ).rejects.toBeInstanceOf(TokenError);
        },
      ),
      { numRuns: 500 },
    );
  });

  it("AuthService and SessionControl answer any argument with a failed result, never an exception", async () => {
    await fc.assert(
      fc.asyncProperty(fc.anything({ maxDepth: 2 }), fc.anything({ maxDepth: 2 }), async (first, second) => {
        const auth = env.AUTH as unknown as Record<string, (...args: unknown[]) => Promise<{ ok: boolean }>>;
        const control = sessionControl as unknown as Record<string, (...args: unknown[]) => Promise<{ ok: boolean }>>;
        const results = await Promise.all([
          auth.validateAccessToken?.(first, second),
          auth.getUser?.(first, second),
          auth.jwks?.(first),
          auth.disableUser?.(first, second),
          auth.issueServiceToken?.(first, second),
          control.revokeSession?.(first, second, "logout"),
          control.revokeUser?.(first, second, [], "logout_all"),
          control.userUpdated?.(first, second),
        ]);
        for (const result of results) expect(result?.ok).toBe(false);
      }),
      { numRuns: 100 },
    );
  });
});
