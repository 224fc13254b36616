// `npm run bench:auth`: what a token validation costs on the backend, cached versus through the
// auth Worker's service binding, measured in one run against real `wrangler dev` on 127.0.0.1.
// Each phase times GET /api/session (validation, nothing else) and GET /health (no validation)
// on the same server; the validation's own cost is the difference. The uncached phase runs the
// backend with AUTH_CACHE_TTL_SECONDS=0.
import { percentile as at, sorted, startBenchServer } from "./local-servers.ts";

const REQUESTS = Number(process.env.BENCH_REQUESTS ?? 400);
const WARMUP = 30;


/** Below this, a difference of two HTTP latencies on this machine is noise. */
const RESOLUTION_MS = 0.1;

async function timeOnce(url: string, headers: Record<string, string>): Promise<number> {
  const started = performance.now();
  const response = await fetch(url, { headers });
  await response.arrayBuffer();
  if (!response.ok) throw new Error(`${url}: ${response.status}`);
  return performance.now() - started;
}

/** Alternates the two requests, so drift in the machine's load hits both alike. */
async function timePair(baseUrl: string, url: string, headers: Record<string, string>) {
  const base: number[] = [];
  const validated: number[] = [];
  for (let index = 0; index < WARMUP + REQUESTS; index += 1) {
    const [b, v] = [await timeOnce(baseUrl, {}), await timeOnce(url, headers)];
    if (index >= WARMUP) {
      base.push(b);
      validated.push(v);
    }
  }
  return { base: sorted(base), validated: sorted(validated) };
}

async function phase(name: string, extraArgs: string[]) {
  const server = await startBenchServer(extraArgs);
  try {
    const access_token = server.accessToken;
    const { base, validated } = await timePair(`${server.origin}/health`, `${server.origin}/api/session`, {
      Authorization: `Bearer ${access_token}`,
    });
    const cost = at(validated, 50) - at(base, 50);
    const shown = cost < RESOLUTION_MS ? `< ${RESOLUTION_MS} ms` : `${cost.toFixed(2)} ms`;
    console.log(
      `${name.padEnd(24)} /api/session p50 ${at(validated, 50).toFixed(2)} ms p99 ${at(validated, 99).toFixed(2)} ms` +
        ` | /health p50 ${at(base, 50).toFixed(2)} ms | validation (difference of p50s) ${shown}`,
    );
    return Math.max(cost, RESOLUTION_MS);
  } finally {
    await server.stop();
  }
}

console.log(`\nToken validation on the backend, ${REQUESTS} requests per phase after ${WARMUP} warm-up\n`);
const cached = await phase("cached (TTL 30 s)", []);
const uncached = await phase("uncached (RPC to auth)", ["--var", "AUTH_CACHE_TTL_SECONDS:0"]);
const ratio = uncached / cached;
const bound = cached <= RESOLUTION_MS ? "at least " : "";
console.log(`\ncached validation is ${bound}${ratio.toFixed(1)}× faster than one through the service binding (target: ≥ 20×)`);
