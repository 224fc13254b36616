// `npm run bench`: the latency a user feels on /ws, against both Workers in a real `wrangler dev`
// on 127.0.0.1. For each message it measures send → ack, send → agent_started (target: within
// 100 ms) and send → agent_completed, and prints p50/p95/p99. Runs a bounded number of messages
// and stops by itself.
import { percentile, sorted, startBenchServer } from "./local-servers.ts";

const MESSAGES = Number(process.env.BENCH_MESSAGES ?? 200);
const WARMUP = 10;
const AGENT_STARTED_TARGET_MS = 100;

function summary(name: string, samples: number[]): string {
  const ascending = sorted(samples);
  const fmt = (value: number) => value.toFixed(1).padStart(7);
  return `${name.padEnd(24)} p50 ${fmt(percentile(ascending, 50))} ms   p95 ${fmt(percentile(ascending, 95))} ms   p99 ${fmt(percentile(ascending, 99))} ms   max ${fmt(ascending.at(-1) ?? Number.NaN)} ms`;
}

const server = await startBenchServer();
const access_token = server.accessToken;

try {
  // The socket allows 40 frames per 10 s, so the run moves to a fresh socket every 35 messages
  // (opening one is not measured) instead of pausing.
  const MESSAGES_PER_SOCKET = 35;
  const waiters = new Map<string, (type: string) => void>();
  async function openSocket(): Promise<WebSocket> {
    const socket = new WebSocket(`${server.origin.replace("http", "ws")}/ws`, ["tether.v1", `bearer.${access_token}`]);
    socket.addEventListener("message", (event) => {
      const frame = JSON.parse(String(event.data)) as { type: string; reply_to?: string };
      if (frame.reply_to) waiters.get(frame.reply_to)?.(frame.type);
    });
    await new Promise((resolve, reject) => {
      socket.addEventListener("open", resolve, { once: true });
      socket.addEventListener("close", (event) => reject(new Error(`closed ${event.code}`)), { once: true });
    });
    return socket;
  }

  const ack: number[] = [];
  const started: number[] = [];
  const completed: number[] = [];
  let socket = await openSocket();
  for (let index = 0; index < WARMUP + MESSAGES; index += 1) {
    if (index > 0 && index % MESSAGES_PER_SOCKET === 0) {
      socket.close();
      socket = await openSocket();
    }
    const id = crypto.randomUUID();
    const times = new Map<string, number>();
    const sentAt = performance.now();
    await new Promise<void>((resolve) => {
      waiters.set(id, (type) => {
        times.set(type, performance.now() - sentAt);
        if (type === "agent_completed" || type === "error") resolve();
      });
      socket.send(JSON.stringify({ type: "user_message", id, payload: { content: `what is ${index} * 3 + 1` } }));
    });
    waiters.delete(id);
    if (index < WARMUP) continue;
    ack.push(times.get("ack") ?? Number.NaN);
    started.push(times.get("agent_started") ?? Number.NaN);
    completed.push(times.get("agent_completed") ?? Number.NaN);
  }
  socket.close();

  console.log(`\n/ws latency, ${MESSAGES} messages after ${WARMUP} warm-up, one session, wrangler dev on 127.0.0.1\n`);
  console.log(summary("send → ack", ack));
  console.log(summary("send → agent_started", started));
  console.log(summary("send → agent_completed", completed));
  const p99 = percentile(sorted(started), 99);
  console.log(`\nagent_started within ${AGENT_STARTED_TARGET_MS} ms at p99: ${p99 <= AGENT_STARTED_TARGET_MS ? "yes" : "NO"} (${p99.toFixed(1)} ms)`);
} finally {
  await server.stop();
}
