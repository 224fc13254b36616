/**
 * @module
 * The settings of the backend Worker's runtime — the Worker itself and the session objects it
 * hosts — in one place, each with its var, default and bounds (docs/configuration.md). Both the
 * backend and durable-objects read them from here.
 */
import type { AuthGatewayOptions } from "./auth-gateway.js";
import { DEFAULT_BREAKER_OPTIONS } from "./circuit-breaker.js";
import { readSetting, type IntegerSetting } from "./config.js";

export const BACKEND_SETTINGS = {
  /** Token-cache TTL: the revocation budget of HTTP routes (0 disables the cache). */
  authCacheTtlSeconds: { name: "AUTH_CACHE_TTL_SECONDS", default: 30, min: 0, max: 300 },
  /** Token-cache bound; the least recently used entry goes first. */
  authCacheMaxEntries: { name: "AUTH_CACHE_MAX_ENTRIES", default: 10_000, min: 0, max: 1_000_000 },
  /** Deadline of each auth RPC call. */
  authCallTimeoutMs: { name: "AUTH_CALL_TIMEOUT_MS", default: DEFAULT_BREAKER_OPTIONS.callTimeoutMs, min: 1, max: 60_000 },
  /** Consecutive failures or timeouts that open the breaker. */
  breakerFailureThreshold: { name: "AUTH_BREAKER_FAILURE_THRESHOLD", default: DEFAULT_BREAKER_OPTIONS.failureThreshold, min: 1, max: 1000 },
  /** Open → half-open after this long. */
  breakerCooldownSeconds: { name: "AUTH_BREAKER_COOLDOWN_SECONDS", default: DEFAULT_BREAKER_OPTIONS.cooldownMs / 1000, min: 0, max: 3600 },
  /** Calls let through while half-open. */
  breakerHalfOpenProbes: { name: "AUTH_BREAKER_HALF_OPEN_PROBES", default: DEFAULT_BREAKER_OPTIONS.halfOpenProbes, min: 1, max: 100 },
  /** How long before its token's expiry a socket gets `token_expiring`. */
  tokenRefreshLeadSeconds: { name: "TOKEN_REFRESH_LEAD_SECONDS", default: 60, min: 0, max: 3600 },
  /** Per-session flood control, all sockets together: past this many frames in a window, `error rate_limited`; past twice it, 4008. */
  wsMaxFramesPerWindow: { name: "WS_MAX_FRAMES_PER_WINDOW", default: 120, min: 1, max: 1_000_000 },
  wsRateWindowSeconds: { name: "WS_RATE_WINDOW_SECONDS", default: 10, min: 1, max: 3600 },
  /** Sockets one session may hold open at once; the next is closed 4008 `too_many_sockets`. */
  wsMaxSocketsPerSession: { name: "WS_MAX_SOCKETS_PER_SESSION", default: 16, min: 1, max: 1000 },
  /** `user_message`s one session may send per window (WS_RATE_WINDOW_SECONDS), across its sockets. */
  wsMaxRunsPerWindow: { name: "WS_MAX_RUNS_PER_WINDOW", default: 20, min: 1, max: 100_000 },
  /** `auth_refresh` frames one session may send a minute (each is an auth call); past it, `error rate_limited` and no call. */
  wsMaxRefreshesPerMinute: { name: "WS_MAX_REFRESHES_PER_MINUTE", default: 6, min: 1, max: 1000 },
  /** Runs of one session that go at once (across its threads); the rest wait in the queue. */
  wsMaxConcurrentRuns: { name: "WS_MAX_CONCURRENT_RUNS", default: 4, min: 1, max: 1000 },
  /** A run still going this long after it started is cancelled (reason `deadline`). */
  agentRunTimeoutSeconds: { name: "AGENT_RUN_TIMEOUT_SECONDS", default: 120, min: 1, max: 900 },
  /** How many earlier messages of the thread a run gets as history. */
  agentHistoryMessages: { name: "AGENT_HISTORY_MESSAGES", default: 20, min: 0, max: 100 },
  /** A run waiting this long for a person's answer to a tool call ends (reason `approval_expired`); 60 s to 30 days. */
  agentApprovalTimeoutSeconds: { name: "AGENT_APPROVAL_TIMEOUT_SECONDS", default: 86_400, min: 60, max: 2_592_000 },
} as const satisfies Record<string, IntegerSetting>;

/** A session's budgets (durable-objects/session-budget.ts): at most `max` in each window of `windowMs`. */
export interface BudgetLimits {
  frames: { max: number; windowMs: number };
  runs: { max: number; windowMs: number };
  refreshes: { max: number; windowMs: number };
}

/** The vars the backend runtime reads: strings, as wrangler gives them; the service credentials. */
export interface BackendVars {
  AUTH_SERVICE_ID: string;
  /** Missing only in a misconfigured deployment (its /health says so); calls to auth then fail. */
  AUTH_SERVICE_SECRET?: string;
  AUTH_ISSUER: string;
  ACCESS_TOKEN_AUDIENCE: string;
}

export interface BackendConfig {
  gateway: AuthGatewayOptions;
  tokenRefreshLeadMs: number;
  /** Per session, across its sockets and reconnects (durable-objects/session-budget.ts). */
  sessionBudget: BudgetLimits;
  maxSocketsPerSession: number;
  maxConcurrentRuns: number;
  agentRunTimeoutMs: number;
  agentHistoryMessages: number;
  agentApprovalTimeoutMs: number;
}

export type BackendSettings = typeof BACKEND_SETTINGS;

/** An app's own defaults for the backend's settings, by key (`tether({ limits: { wsMaxConcurrentRuns: 2 } })`). */
export type BackendLimits = Partial<Record<keyof BackendSettings, number>>;

const configs = new WeakMap<BackendSettings, WeakMap<object, BackendConfig>>();

/**
 * Read once per env object (workerd hands an isolate's requests the same one) and settings table
 * (the built-in defaults, or an app's from `withAppDefaults`).
 */
export function backendConfig(vars: BackendVars, settings: BackendSettings = BACKEND_SETTINGS): BackendConfig {
  let byVars = configs.get(settings);
  if (!byVars) configs.set(settings, (byVars = new WeakMap()));
  let config = byVars.get(vars);
  if (!config) byVars.set(vars, (config = readBackendConfig(vars, settings)));
  return config;
}

function readBackendConfig(vars: BackendVars, s: BackendSettings): BackendConfig {
  const read = (setting: IntegerSetting) => readSetting(vars, setting);
  return {
    gateway: {
      serviceId: vars.AUTH_SERVICE_ID,
      serviceSecret: vars.AUTH_SERVICE_SECRET ?? "",
      issuer: vars.AUTH_ISSUER,
      audience: vars.ACCESS_TOKEN_AUDIENCE,
      cacheTtlSeconds: read(s.authCacheTtlSeconds),
      cacheMaxEntries: read(s.authCacheMaxEntries),
      breaker: {
        callTimeoutMs: read(s.authCallTimeoutMs),
        failureThreshold: read(s.breakerFailureThreshold),
        cooldownMs: read(s.breakerCooldownSeconds) * 1000,
        halfOpenProbes: read(s.breakerHalfOpenProbes),
      },
    },
    tokenRefreshLeadMs: read(s.tokenRefreshLeadSeconds) * 1000,
    sessionBudget: {
      frames: { max: read(s.wsMaxFramesPerWindow), windowMs: read(s.wsRateWindowSeconds) * 1000 },
      runs: { max: read(s.wsMaxRunsPerWindow), windowMs: read(s.wsRateWindowSeconds) * 1000 },
      refreshes: { max: read(s.wsMaxRefreshesPerMinute), windowMs: 60_000 },
    },
    maxSocketsPerSession: read(s.wsMaxSocketsPerSession),
    maxConcurrentRuns: read(s.wsMaxConcurrentRuns),
    agentRunTimeoutMs: read(s.agentRunTimeoutSeconds) * 1000,
    agentHistoryMessages: read(s.agentHistoryMessages),
    agentApprovalTimeoutMs: read(s.agentApprovalTimeoutSeconds) * 1000,
  };
}
