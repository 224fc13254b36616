// `npm run bench:auth`: what one token validation costs, from the token cache versus through the
// auth Worker's service binding, measured in one run. A bench-only probe Worker (bench/probe/)
// runs the backend's own auth gateway N times inside one request; timing a request of 1 and of
// N + 1 validations and dividing the difference by N gives the cost of one validation, free of
// HTTP overhead (a Worker's own clock does not advance during CPU work, so timing happens here).
import { percentile, sorted, startBenchServer } from "./local-servers.ts";

const ROUNDS = Number(process.env.BENCH_ROUNDS ?? 15);
const VALIDATIONS = { cached: 2000, rpc: 100 } as const;

const server = await startBenchServer([], ["bench/probe/wrangler.toml", "workers/auth/wrangler.toml"]);

async function timeRequest(mode: string, validations: number, token: string): Promise<number> {
  const started = performance.now();
  const response = await fetch(`${server.origin}/?mode=${mode}&n=${validations}`, { headers: { Authorization: `Bearer ${token}` } });
  await response.arrayBuffer();
  if (response.status !== 204) throw new Error(`probe answered ${response.status}`);
  return performance.now() - started;
}

/** Per-validation cost in ms: p50 and p99 over rounds of (time of N + 1) − (time of 1), over N. */
async function measure(mode: keyof typeof VALIDATIONS, token: string) {
  const count = VALIDATIONS[mode];
  for (let warm = 0; warm < 3; warm += 1) await timeRequest(mode, count, token);
  const perValidation: number[] = [];
  for (let round = 0; round < ROUNDS; round += 1) {
    const single = await timeRequest(mode, 1, token);
    const many = await timeRequest(mode, count + 1, token);
    perValidation.push(Math.max(0, many - single) / count);
  }
  const ascending = sorted(perValidation);
  return { p50: percentile(ascending, 50), p99: percentile(ascending, 99) };
}

try {
  const access_token = server.accessToken;
  const cached = await measure("cached", access_token);
  const rpc = await measure("rpc", access_token);
  const us = (ms: number) => `${(ms * 1000).toFixed(1).padStart(8)} µs`;
  console.log(`\nOne token validation, ${ROUNDS} rounds (${VALIDATIONS.cached} cached / ${VALIDATIONS.rpc} RPC validations per round)\n`);
  console.log(`cached (token cache)        p50 ${us(cached.p50)}   p99 ${us(cached.p99)}`);
  console.log(`uncached (service binding)  p50 ${us(rpc.p50)}   p99 ${us(rpc.p99)}`);
  const ratio = rpc.p50 / Math.max(cached.p50, 1e-6);
  console.log(`\ncached validation is ${ratio.toFixed(0)}× faster at p50, ${(rpc.p99 / Math.max(cached.p99, 1e-6)).toFixed(0)}× at p99 (target: ≥ 20×)`);
} finally {
  await server.stop();
}
