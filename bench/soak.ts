// `npm run soak` (500 sessions × 20 messages, in two rounds) or `npm run soak -- --short` (what CI
// runs): many sessions at once through the client SDK against Tether on 127.0.0.1, with access
// tokens short enough that every session refreshes in-band mid-stream. It checks that no event is
// lost or seen twice (by seq, per session), every run completes, no socket closes unexpectedly,
// and the server's live memory is flat from one round to the next; prints one summary line; exits
// 1 if anything is off. Bounded: a fixed count of sessions and messages, and a deadline.
//
// Each session sends a message every MESSAGE_INTERVAL_MS (staggered): a steady 100 messages a
// second in the full soak, about a quarter of what bench/RESULTS.md (W3) measured this 2-core
// machine's single workerd thread doing flat out. Driven to saturation instead, every D1 round trip
// queues for seconds and a refresh (five of them) took 15–17 s, past any sensible warning lead: a
// capacity limit, which the benchmarks measure, not what a soak is for.
import { connect, createAuthClient, memoryTokenStore, type ConnectionState, type ServerFrame } from "../client/index.js";
import { freePort } from "../test/support/node/wrangler-dev.ts";
import { InspectorSession } from "./lib/cdp.ts";
import { startTether } from "./lib/peers.ts";
import { inPool } from "./lib/stats.ts";

const short = process.argv.includes("--short");
const SESSIONS = short ? 40 : 500;
const ROUNDS = Number(process.env.SOAK_ROUNDS ?? 2);
const MESSAGES_PER_ROUND = short ? 5 : 10;
const MESSAGE_INTERVAL_MS = short ? 800 : 5000;
/** A round lasts MESSAGES_PER_ROUND × MESSAGE_INTERVAL_MS; the warning comes well inside it. */
const ACCESS_TOKEN_TTL_SECONDS = short ? 8 : 40;
const REFRESH_LEAD_SECONDS = short ? 6 : 20;
const DEADLINE_MS = short ? 120_000 : 480_000;
/** Growth of the live JS heap from the end of one round to the end of the next that still counts as flat. */
const FLAT_GROWTH = 0.15;

interface SessionReport {
  seqs: number[];
  completedRuns: number;
  failedRuns: number;
  refreshes: number;
  unexpectedStates: string[];
}

const inspectorPort = await freePort();
const tether = await startTether({
  inspectorPort,
  authVars: { ACCESS_TOKEN_TTL_SECONDS: String(ACCESS_TOKEN_TTL_SECONDS) },
  // The production flood limit: the soak runs the service as configured.
  backendVars: {
    TOKEN_REFRESH_LEAD_SECONDS: String(REFRESH_LEAD_SECONDS),
    WS_MAX_FRAMES_PER_WINDOW: "40",
    WS_MAX_REFRESHES_PER_MINUTE: "60",
  },
});
const origin = tether.server.origin;
const deadline = setTimeout(() => {
  console.error(`soak: did not finish within ${DEADLINE_MS / 1000} s`);
  process.exit(1);
}, DEADLINE_MS);

/** One user's session: its own auth client and address (the refresh rate limit counts per address). */
async function signIn(index: number) {
  const address = `10.77.${index >> 8}.${index & 255}`;
  const auth = createAuthClient({
    baseUrl: origin,
    store: memoryTokenStore(),
    fetch: (url, init) => fetch(url, { ...init, headers: { ...init?.headers, "CF-Connecting-IP": address } }),
  });
  await auth.register({
    email: `soak-${index}-${crypto.randomUUID()}@example.com`,
    password: "correct horse battery staple",
    name: `Soak ${index}`,
  });
  return auth;
}

/** A round: connect (resuming where the last round ended), send the messages one by one, close. */
async function round(auth: Awaited<ReturnType<typeof signIn>>, report: SessionReport, resumeAfter: number | null): Promise<number | null> {
  const waiting = new Map<string, (frame: ServerFrame) => void>();
  let closing = false;
  let refreshAnswered: (() => void) | null = null;
  const connection = connect({
    url: `${origin.replace("http", "ws")}/ws`,
    getAccessToken: ({ current }) => auth.accessToken({ replacing: current }),
    resumeAfter,
    backoff: { initialDelayMs: 100, maxDelayMs: 2000 },
    onEvent: (frame) => {
      if (frame.seq !== undefined) report.seqs.push(frame.seq);
      if (frame.type === "auth_refreshed") report.refreshes += 1;
      if (frame.reply_to && (frame.type === "agent_completed" || frame.type === "error")) waiting.get(frame.reply_to)?.(frame);
    },
    onStateChange: (state: ConnectionState, detail) => {
      if (state !== "refreshing") refreshAnswered?.();
      if (!closing && (state === "reconnecting" || state === "closed" || state === "signed_out"))
        report.unexpectedStates.push(`${state} ${detail.code ?? ""}`);
    },
  });
  // Sessions start at random points of the first interval, so the load is steady, not in waves.
  let nextAt = Date.now() + Math.random() * MESSAGE_INTERVAL_MS;
  for (let index = 0; index < MESSAGES_PER_ROUND; index += 1) {
    await sleepUntil(nextAt);
    nextAt += MESSAGE_INTERVAL_MS;
    const ended = new Promise<ServerFrame>((resolve) => {
      const id = connection.send(`what is ${index} * 7 + ${report.seqs.length}`);
      waiting.set(id, resolve);
    });
    const frame = await ended;
    if (frame.type === "agent_completed") report.completedRuns += 1;
    else report.failedRuns += 1;
  }
  // A refresh in flight is seen through before the round ends: closing under it would count a
  // slow refresh (a loaded machine) as none, and it is what a user's still-open tab would see.
  if (connection.state === "refreshing") await new Promise<void>((resolve) => (refreshAnswered = resolve));
  closing = true;
  connection.close();
  return connection.lastSeq;
}

const sleepUntil = (at: number) => new Promise((resolve) => setTimeout(resolve, Math.max(0, at - Date.now())));

function problems(report: SessionReport, expectedRuns: number): string[] {
  const found: string[] = [];
  const seen = new Set<number>();
  for (const [index, seq] of report.seqs.entries()) {
    if (seen.has(seq)) found.push(`seq ${seq} twice`);
    seen.add(seq);
    const previous = report.seqs[index - 1];
    if (previous !== undefined && seq !== previous + 1) found.push(`gap ${previous} → ${seq}`);
  }
  if (report.completedRuns !== expectedRuns) found.push(`${report.completedRuns} of ${expectedRuns} runs completed`);
  if (report.refreshes === 0) found.push("never refreshed in-band");
  return [...found, ...report.unexpectedStates.map((state) => `unexpected ${state}`)];
}

/** JS heap in use after a full collection, summed over Tether's two Workers (session objects included). */
const isolates = await Promise.all(
  ["core:user:tether-backend", "core:user:tether-auth"].map((worker) =>
    InspectorSession.attach(`http://127.0.0.1:${inspectorPort}`, worker),
  ),
);
const liveHeapMb = async () => (await Promise.all(isolates.map((isolate) => isolate.heapAfterGcMb()))).reduce((sum, mb) => sum + mb, 0);

try {
  const started = performance.now();
  const auths = await inPool(
    Array.from({ length: SESSIONS }, (_, index) => index),
    20,
    signIn,
  );
  const reports: SessionReport[] = auths.map(() => ({ seqs: [], completedRuns: 0, failedRuns: 0, refreshes: 0, unexpectedStates: [] }));
  const lastSeqs: Array<number | null> = auths.map(() => null);
  const memory: number[] = [tether.server.memory().rssMb];
  const heap: number[] = [await liveHeapMb()];
  for (let index = 0; index < ROUNDS; index += 1) {
    await Promise.all(
      auths.map(async (auth, session) => {
        lastSeqs[session] = await round(auth, reports[session] as SessionReport, lastSeqs[session] ?? null);
      }),
    );
    memory.push(tether.server.memory().rssMb);
    heap.push(await liveHeapMb());
  }
  const expectedRuns = ROUNDS * MESSAGES_PER_ROUND;
  const failures = reports.flatMap((report, session) => problems(report, expectedRuns).map((problem) => `session ${session}: ${problem}`));
  const events = reports.reduce((sum, report) => sum + report.seqs.length, 0);
  const duplicates = failures.filter((failure) => failure.includes("twice")).length;
  const gaps = failures.filter((failure) => failure.includes("gap")).length;
  const closes = reports.reduce((sum, report) => sum + report.unexpectedStates.length, 0);
  const refreshes = reports.reduce((sum, report) => sum + report.refreshes, 0);
  const runs = reports.reduce((sum, report) => sum + report.completedRuns, 0);
  const growth = ((heap.at(-1) ?? 0) - (heap[1] ?? 0)) / (heap[1] ?? 1);
  const flat = growth <= FLAT_GROWTH;
  console.log(
    `soak: ${SESSIONS} sessions × ${expectedRuns} messages in ${ROUNDS} rounds, ${((performance.now() - started) / 1000).toFixed(0)} s — ` +
      `${runs} runs completed, ${events} events, ${gaps} lost, ${duplicates} duplicated, ${closes} unexpected closes, ` +
      `${refreshes} in-band refreshes; live JS heap after GC ${heap.map((mb) => mb.toFixed(1)).join(" → ")} MB (${flat ? "flat" : `grew ${(growth * 100).toFixed(0)}%`}), ` +
      `server RSS ${memory.map((mb) => mb.toFixed(0)).join(" → ")} MB`,
  );
  for (const failure of failures.slice(0, 20)) console.error(`  ${failure}`);
  process.exitCode = failures.length === 0 && flat ? 0 : 1;
} finally {
  clearTimeout(deadline);
  for (const isolate of isolates) isolate.close();
  await tether.server.stop();
  tether.remove();
}
