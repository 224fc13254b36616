import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { portIsFree } from "../../../scripts/dev-stack.mjs";
import { WRANGLER_SOURCE_ENV } from "../../../scripts/source-conditions.mjs";
import { spawnTracked } from "./processes.ts";

/**
 * Test servers listen below the OS's ephemeral range (32768 and up on Linux, 49152 and up on macOS
 * and Windows). A port the OS offers for "any port" can be taken again, by a workerd's own sockets
 * or by any outgoing connection, between choosing it and wrangler binding it: CI failed once with
 * "Address already in use" that way. Each vitest worker takes its own block of ports, so test
 * files running side by side never choose the same one.
 */
const FIRST_PORT = 20_000;
const BLOCK_SIZE = 400;
const BLOCKS = 30;
const worker = Number(process.env.VITEST_POOL_ID ?? process.pid);
let nextPort = FIRST_PORT + (worker % BLOCKS) * BLOCK_SIZE;
const blockEnd = nextPort + BLOCK_SIZE;

/** A free TCP port on 127.0.0.1 from this process's block, never one already handed out. */
export async function freePort(): Promise<number> {
  while (nextPort < blockEnd) {
    const port = nextPort++;
    if (await portIsFree(port)) return port;
  }
  throw new Error(`no free port left in ${blockEnd - BLOCK_SIZE}–${blockEnd - 1}`);
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
    {
      stdio: ["ignore", "pipe", "pipe"],
      env: { ...process.env, ...WRANGLER_SOURCE_ENV, WRANGLER_SEND_METRICS: "false", CI: "true", ...options.env },
    },
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
