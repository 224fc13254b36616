// Where Tether's CPU goes: sampling profiles of its Workers (through workerd's inspector, on a
// separate Tether so the measured runs are not slowed) while sockets connect, while one socket
// pings, and while ten sessions send messages. RESULTS.md lists the hottest functions of each.
import { freePort } from "../../test/support/node/wrangler-dev.ts";
import { InspectorSession, type HotFunction } from "../lib/cdp.ts";
import { tetherClient } from "../lib/clients.ts";
import { startTether } from "../lib/peers.ts";
import { inPool } from "../lib/stats.ts";
import { mintTokens } from "../lib/tokens.ts";

export interface ProfileResults {
  connectBackend: HotFunction[];
  connectAuth: HotFunction[];
  ping: HotFunction[];
  message: HotFunction[];
}

export async function runProfiles(): Promise<ProfileResults> {
  const inspectorPort = await freePort();
  const tether = await startTether({ inspectorPort });
  const inspector = `http://127.0.0.1:${inspectorPort}`;
  const backend = await InspectorSession.attach(inspector, "core:user:tether-backend");
  const auth = await InspectorSession.attach(inspector, "core:user:tether-auth");
  try {
    const client = tetherClient(tether.server.origin);
    const tokens = await mintTokens(tether.server.origin, 330);
    const connect = (slice: typeof tokens) => inPool(slice, 25, ({ token, room }) => client.connect(token, room));
    await Promise.all((await connect(tokens.slice(0, 20))).map((each) => each.close()));

    let connectAuth: HotFunction[] = [];
    const connectBackend = await backend.profile(async () => {
      connectAuth = await auth.profile(async () => {
        await Promise.all((await connect(tokens.slice(20, 320))).map((each) => each.close()));
      });
    });

    const [pinger] = await connect(tokens.slice(320, 321));
    if (!pinger) throw new Error("no socket to ping on");
    for (let index = 0; index < 300; index += 1) await pinger.ping();
    const ping = await backend.profile(async () => {
      for (let index = 0; index < 3000; index += 1) await pinger.ping();
    });
    await pinger.close();

    const sessions = await connect(tokens.slice(321, 331));
    await Promise.all(sessions.map((each) => each.message("what is 1+1")));
    const message = await backend.profile(async () => {
      await Promise.all(
        sessions.map(async (each, session) => {
          for (let index = 0; index < 25; index += 1) await each.message(`what is ${session} * ${index} + 7`);
        }),
      );
    });
    await Promise.all(sessions.map((each) => each.close()));
    return { connectBackend, connectAuth, ping, message };
  } finally {
    backend.close();
    auth.close();
    await tether.server.stop();
    tether.remove();
  }
}
