// Holds idle sockets to one peer for the harness (W5), in a process of its own: one process may
// keep about 20,000 descriptors open, and W5 holds 10,000 sockets on every peer at once. Run by the
// harness as a child process; it reads commands on stdin and answers each with one JSON line:
//   node bench/hosts/socket-holder.ts <peer> <origin> <tokens.json>
//   open <n>   → {"opened": <held now>, "failed": <refused or timed out so far>}
//   report     → {"held": <n>, "dropped": <closed by the server or network while held>}
//   close      → {"closed": <n>}, then it exits
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { CLIENTS, type Connection, type PeerName } from "../lib/clients.ts";
import { inPool } from "../lib/stats.ts";
import type { MintedToken } from "../lib/tokens.ts";

const CONNECT_CONCURRENCY = 100;
const CLOSE_BATCH = 250;
const CLOSE_PACE_MS = 50;

const [peer, origin, tokensFile] = process.argv.slice(2);
if (!peer || !origin || !tokensFile || !(peer in CLIENTS)) {
  console.error("usage: socket-holder.ts <peer> <origin> <tokens.json>");
  process.exit(2);
}
const client = CLIENTS[peer as PeerName](origin);
const tokens = JSON.parse(readFileSync(tokensFile, "utf8")) as MintedToken[];
const held: Connection[] = [];
let failed = 0;

async function open(count: number): Promise<object> {
  const next = tokens.slice(held.length + failed, held.length + failed + count);
  const opened = await inPool(next, CONNECT_CONCURRENCY, ({ token, room }) =>
    client.connect(token, room).then(
      (connection) => connection,
      () => null,
    ),
  );
  for (const connection of opened) {
    if (connection) held.push(connection);
    else failed += 1;
  }
  return { opened: held.length, failed };
}

for await (const line of createInterface({ input: process.stdin })) {
  const [command, argument] = line.trim().split(" ");
  if (command === "open") console.log(JSON.stringify(await open(Number(argument))));
  if (command === "report") console.log(JSON.stringify({ held: held.length, dropped: held.filter((each) => each.dropped).length }));
  if (command === "close") {
    // Close frames in paced batches: thousands at once crashed local workerd ("Promise callback
    // destroyed itself"). The handshakes are not awaited (local workerd answers a close seconds
    // late): the process exits, and the system closes what is left.
    for (let start = 0; start < held.length; start += CLOSE_BATCH) {
      for (const connection of held.slice(start, start + CLOSE_BATCH)) void connection.close();
      await new Promise((resolve) => setTimeout(resolve, CLOSE_PACE_MS));
    }
    console.log(JSON.stringify({ closed: held.length }));
    process.exit(0);
  }
}
