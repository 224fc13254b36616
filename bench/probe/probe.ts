import { AuthGateway } from "../../workers/shared/auth-gateway.js";
import { backendConfig } from "../../workers/shared/backend-config.js";
import type { AuthServiceApi } from "../../workers/shared/rpc.js";

interface ProbeEnv {
  AUTH: AuthServiceApi & Fetcher;
  AUTH_SERVICE_ID: string;
  AUTH_SERVICE_SECRET: string;
  AUTH_ISSUER: string;
  ACCESS_TOKEN_AUDIENCE: string;
}

const MAX_ROUNDS = 5000;
const gateways = new Map<string, AuthGateway>();

/** One gateway per mode and isolate: `cached` has the backend's default cache, `rpc` none. */
function gateway(env: ProbeEnv, mode: "cached" | "rpc"): AuthGateway {
  let instance = gateways.get(mode);
  if (!instance) {
    const ttl = mode === "rpc" ? "0" : "30";
    const vars = { ...env, AUTH_CACHE_TTL_SECONDS: ttl };
    instance = new AuthGateway(env.AUTH, backendConfig(vars).gateway);
    gateways.set(mode, instance);
  }
  return instance;
}

/** GET /?mode=cached|rpc&n=N with a bearer token: validates it N times, then answers 204. */
export default {
  async fetch(request: Request, env: ProbeEnv): Promise<Response> {
    const url = new URL(request.url);
    // Sign-up goes to the auth Worker, as on the backend's origin.
    if (url.pathname.startsWith("/auth/")) return env.AUTH.fetch(request);
    const mode = url.searchParams.get("mode") === "rpc" ? "rpc" : "cached";
    const rounds = Math.min(MAX_ROUNDS, Math.max(1, Number(url.searchParams.get("n")) || 1));
    const token = request.headers.get("Authorization")?.replace(/^Bearer /, "") ?? "";
    const validator = gateway(env, mode);
    for (let round = 0; round < rounds; round += 1) {
      const result = await validator.validate(token);
      if (!result.ok || result.degraded) return new Response(`validation failed: ${result.ok ? "degraded" : result.code}`, { status: 500 });
    }
    return new Response(null, { status: 204 });
  },
};
