import { mkdtempSync, rmSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { spawnTracked } from "./processes.ts";

/** Ports this process has handed out: the OS may offer a just-closed port again, before its user binds it. */
const handedOut = new Set<number>();

function portFromOs(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once("error", reject);
    server.listen(0, "127.0.0.1", () => {
      const address = server.address();
      server.close(() => (typeof address === "object" && address ? resolve(address.port) : reject(new Error("no port"))));
    });
  });
}

/** A free TCP port on 127.0.0.1, chosen by the OS, never one already handed out in this process. */
export async function freePort(): Promise<number> {
  for (;;) {
    const port = await portFromOs();
    if (!handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
}

export function temporaryStateDir(): { path: string; remove(): void } {
  const path = mkdtempSync(join(tmpdir(), "tether-e2e-"));
  return { path, remove: () => rmSync(path, { recursive: true, force: true }) };
}

export interface RunningWrangler {
  origin: string;
  /** Everything the process has printed so far (the Workers' logs among it). */
  output(): string;
  stop(): Promise<void>;
}

/**
 * Starts `wrangler dev` on 127.0.0.1 and resolves once it prints that it is ready (an event, not
 * a sleep). Rejects with its output if it exits or does not get ready within `readyTimeoutMs`.
 */
export async function startWranglerDev(
  args: string[],
  options: { env?: Record<string, string>; readyTimeoutMs?: number; port?: number } = {},
): Promise<RunningWrangler> {
  const readyTimeoutMs = options.readyTimeoutMs ?? 90_000;
  const port = options.port ?? (await freePort());
  const inspectorPort = await freePort();
  const tracked = spawnTracked(
    process.execPath,
    [
      "node_modules/wrangler/bin/wrangler.js",
      "dev",
      ...args,
      "--ip",
      "127.0.0.1",
      "--port",
      String(port),
      "--inspector-port",
      String(inspectorPort),
    ],
    { stdio: ["ignore", "pipe", "pipe"], env: { ...process.env, WRANGLER_SEND_METRICS: "false", CI: "true", ...options.env } },
  );
  const child = tracked.child;
  let output = "";
  const ready = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`wrangler dev not ready in time:\n${output}`)), readyTimeoutMs);
    const onData = (chunk: Buffer) => {
      output += chunk.toString();
      if (/Ready on http/.test(output)) {
        clearTimeout(timer);
        resolve();
      }
    };
    child.stdout?.on("data", onData);
    child.stderr?.on("data", onData);
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`wrangler dev exited with ${code}:\n${output}`));
    });
  });
  try {
    await ready;
  } catch (error) {
    // Not ready: nothing of it may stay behind (workerd included).
    await tracked.stop();
    throw error;
  }
  return {
    origin: `http://127.0.0.1:${port}`,
    output: () => output,
    stop: () => tracked.stop(),
  };
}
