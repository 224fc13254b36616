import { DEFAULT_AUTH_SETUP } from "../../workers/auth/auth-setup.js";
import { afterEach, describe, expect, it, vi } from "vitest";
import { AUTH_SETTINGS, authConfig, type AuthBindings } from "../../workers/auth/config.js";
import { BACKEND_SETTINGS, backendConfig } from "../../workers/shared/backend-config.js";
import { DEFAULT_BREAKER_OPTIONS } from "../../workers/shared/circuit-breaker.js";
import { readSetting } from "../../workers/shared/config.js";

/** Settings come from vars with named defaults; a bad value falls back and warns once per isolate. */
afterEach(() => vi.restoreAllMocks());

const setting = { name: "TEST_SETTING", default: 7, min: 1, max: 10 };
const warnings = () => vi.spyOn(console, "warn").mockImplementation(() => undefined);

describe("readSetting", () => {
  it("reads a value within bounds, and the default for a missing or empty one, without a word", () => {
    const warn = warnings();
    expect(readSetting({ TEST_SETTING: "3" }, setting)).toBe(3);
    expect(readSetting({}, setting)).toBe(7);
    expect(readSetting({ TEST_SETTING: "  " }, setting)).toBe(7);
    expect(warn).not.toHaveBeenCalled();
  });

  it.each(["abc", "2.5", "0", "11", "1e3x", "-1"])("falls back to the default for %j and warns once, however often it is read", (value) => {
    const warn = warnings();
    const vars = { TEST_SETTING: value };
    for (let i = 0; i < 3; i += 1) expect(readSetting(vars, setting)).toBe(7);
    const lines = warn.mock.calls.map(([line]) => JSON.parse(String(line)) as Record<string, unknown>);
    expect(lines).toEqual([
      { level: "warn", event: "config_invalid", setting: "TEST_SETTING", expected: "an integer from 1 to 10", using_default: 7 },
    ]);
  });
});

describe("each runtime's settings", () => {
  it("the auth Worker: its documented defaults, and a malformed value falls back", () => {
    warnings();
    const config = authConfig(
      { ENVIRONMENT: "production", ACCESS_TOKEN_TTL_SECONDS: "fifteen minutes" } as unknown as AuthBindings,
      DEFAULT_AUTH_SETUP,
    );
    expect(config.accessTokenTtlSeconds).toBe(AUTH_SETTINGS.accessTokenTtlSeconds.default);
    expect(config).toMatchObject({
      refreshReuseGraceSeconds: 30,
      sessionMaxAgeSeconds: 2_592_000,
      retentionDays: 30,
      oauthProviderTimeoutMs: 5000,
    });
  });

  it("the backend and its session objects: the breaker's defaults are the breaker's own, written once", () => {
    warnings();
    const config = backendConfig({
      AUTH_SERVICE_ID: "s",
      AUTH_ISSUER: "i",
      ACCESS_TOKEN_AUDIENCE: "a",
      WS_MAX_FRAMES_PER_WINDOW: "lots",
    } as never);
    expect(config.gateway.breaker).toEqual(DEFAULT_BREAKER_OPTIONS);
    expect(config.sessionBudget.frames).toEqual({ max: BACKEND_SETTINGS.wsMaxFramesPerWindow.default, windowMs: 10_000 });
    expect(config.tokenRefreshLeadMs).toBe(60_000);
  });
});
