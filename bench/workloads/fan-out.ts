// W8 notification fan-out through the production path: `POST /api/events` with a service token
// holding `events:publish`, the auth Worker naming the user's live sessions, each session's object
// sending its `notification`. A publish names one user (docs/notifications.md), so: one user with
// many sessions (a socket each) and one publish; and many users, a session each, and one publish
// per user, sent as fast as a publisher with a bounded number in flight can. Each repetition is
// timed from the first publish sent to the last socket told.
import type { BenchConfig } from "../lib/config.ts";
import type { Publisher } from "../lib/peers.ts";
import { inPool, Latencies } from "../lib/stats.ts";
import { openFrameSocket, type FrameSocket } from "../lib/tether-frames.ts";
import { mintTokens, type MintedToken } from "../lib/tokens.ts";

export interface FanOutRun {
  sockets: number;
  publishes: number;
  /** From the first publish sent to the last socket told. */
  lastToldMs: number;
  /** The median socket's time. */
  socketP50Ms: number;
  /** Sockets never told within the wait (counted, not timed). */
  missed: number;
}
export interface FanOutResults {
  oneUser: FanOutRun[];
  manyUsers: FanOutRun[];
}

const TOLD_TIMEOUT_MS = 30_000;
const EVENT_NAME = "bench.fan_out";

async function serviceToken(origin: string, publisher: Publisher): Promise<string> {
  const response = await fetch(`${origin}/auth/service-token`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ service_id: publisher.id, service_secret: publisher.secret }),
  });
  if (!response.ok) throw new Error(`service token refused: ${response.status} ${await response.text()}`);
  return ((await response.json()) as { access_token: string }).access_token;
}

async function publish(origin: string, token: string, userId: string, repetition: number): Promise<void> {
  const response = await fetch(`${origin}/api/events`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify({ user_id: userId, name: EVENT_NAME, data: { repetition } }),
  });
  if (response.status !== 202) throw new Error(`POST /api/events answered ${response.status}: ${await response.text()}`);
  await response.arrayBuffer();
}

/** When each socket got repetition `repetition`'s notification (null: not within the wait). */
function told(sockets: FrameSocket[], repetition: number): Promise<Array<number | null>> {
  return Promise.all(
    sockets.map((socket) =>
      socket
        .waitFor(
          (frame) => frame.type === "notification" && (frame.payload.data as { repetition?: number }).repetition === repetition,
          TOLD_TIMEOUT_MS,
        )
        .then(
          ({ at }) => at,
          () => null,
        ),
    ),
  );
}

/** Each repetition: `publishAll` sends its publishes and says when the first left and how many there were. */
async function timeFanOut(
  sockets: FrameSocket[],
  repetitions: number,
  publishAll: (repetition: number) => Promise<{ startedAt: number; publishes: number }>,
): Promise<FanOutRun[]> {
  const runs: FanOutRun[] = [];
  for (let repetition = 0; repetition < repetitions; repetition += 1) {
    const arrivals = told(sockets, repetition);
    const { startedAt, publishes } = await publishAll(repetition);
    const times = await arrivals;
    const latencies = new Latencies();
    let last = startedAt;
    for (const at of times) {
      if (at === null) continue;
      latencies.record(at - startedAt);
      last = Math.max(last, at);
    }
    const missed = times.filter((at) => at === null).length;
    runs.push({ sockets: sockets.length, publishes, lastToldMs: last - startedAt, socketP50Ms: latencies.percentile(50), missed });
  }
  return runs;
}

const openAll = (origin: string, tokens: MintedToken[], concurrency: number) =>
  inPool(tokens, concurrency, ({ token }) => openFrameSocket(origin, token));

/** Not awaited, as in W6: local workerd completes a close seconds late on a socket that never sent a frame. */
function closeAll(sockets: FrameSocket[]): void {
  for (const socket of sockets) void socket.close();
}

export async function runFanOut(origin: string, publisher: Publisher, config: BenchConfig): Promise<FanOutResults> {
  const { sessionsOfOneUser, users, repetitions, publishConcurrency } = config.w8;
  const email = `bench-w8-${crypto.randomUUID().slice(0, 8)}@example.com`;
  const sessions = await mintTokens(origin, sessionsOfOneUser, email);
  const userId = sessions[0]?.userId ?? "";
  const token = await serviceToken(origin, publisher);

  const oneUserSockets = await openAll(origin, sessions, config.connectConcurrency);
  const oneUser = await timeFanOut(oneUserSockets, repetitions.oneUser, async (repetition) => {
    const startedAt = performance.now();
    await publish(origin, token, userId, repetition);
    return { startedAt, publishes: 1 };
  });
  closeAll(oneUserSockets);

  const manyTokens = await mintTokens(origin, users);
  const manySockets = await openAll(origin, manyTokens, config.connectConcurrency);
  const manyUsers = await timeFanOut(manySockets, repetitions.manyUsers, async (repetition) => {
    const startedAt = performance.now();
    await inPool(manyTokens, publishConcurrency, (minted) => publish(origin, token, minted.userId, repetition));
    return { startedAt, publishes: manyTokens.length };
  });
  closeAll(manySockets);
  return { oneUser, manyUsers };
}
