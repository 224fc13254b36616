// Starts the app as `npm run dev` does (tether-dev: both Workers, local D1), on a free port of
// 127.0.0.1 with its own state folder, and stops it — and the workerd it started — afterwards.
import { connect, createAuthClient, type ServerFrame } from "@tether/client";
import { spawn } from "node:child_process";
import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";

export interface DevServer {
  origin: string;
  stop(): Promise<void>;
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** `wranglerArgs` go to `wrangler dev` as they are, e.g. ["--var", "AGENT:scripted"]. */
export async function startDevServer(wranglerArgs: string[] = []): Promise<DevServer> {
  const port = await freePort();
  const state = mkdtempSync(join(tmpdir(), "tether-app-test-"));
  const child = spawn(
    process.execPath,
    ["node_modules/@tether/auth/bin/tether-dev.mjs", "--port", String(port), "--persist-to", state, "--", ...wranglerArgs],
    // Its own process group: stopping it stops wrangler and workerd too.
    { detached: true, stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, CI: "true" } },
  );
  const exited = new Promise<void>((resolve) => child.once("exit", () => resolve()));
  const stop = async () => {
    try {
      process.kill(-(child.pid ?? 0), "SIGTERM");
    } catch {
      // Gone already.
    }
    await exited;
    rmSync(state, { recursive: true, force: true });
  };
  let output = "";
  await new Promise<void>((resolve, reject) => {
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes("Ready on http")) resolve();
    };
    child.stdout.on("data", onData);
    child.stderr.on("data", onData);
    void exited.then(() => reject(new Error(`the app stopped before it was ready:\n${output}`)));
  });
  return { origin: `http://127.0.0.1:${port}`, stop };
}

/**
 * What a user does first: signs up, opens a socket, sends `content`, and reads the run to its
 * `agent_completed`. Returns that frame and every frame the socket got on the way.
 */
export async function signUpAndAsk(
  app: DevServer,
  content: string,
): Promise<{ completed: ServerFrame<"agent_completed">; frames: ServerFrame[] }> {
  const auth = createAuthClient({ baseUrl: app.origin });
  await auth.register({ email: `user-${crypto.randomUUID()}@example.com`, password: "a long enough passphrase", name: "Ada" });
  const frames: ServerFrame[] = [];
  const connection = connect({
    url: `${app.origin.replace(/^http/, "ws")}/ws`,
    getAccessToken: ({ current }) => auth.accessToken({ replacing: current }),
    onEvent: (frame) => frames.push(frame),
  });
  const completed = new Promise<ServerFrame<"agent_completed">>((resolve) => connection.on("agent_completed", resolve));
  connection.send(content);
  try {
    return { completed: await completed, frames };
  } finally {
    connection.close();
  }
}
