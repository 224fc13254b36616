/**
 * @module
 * Child processes of the tests (wrangler dev and the workerd it starts) that never outlive them.
 * Each starts as the leader of its own process group, so stopping it stops its children too; and
 * each group is written down in `.build/test-processes/` until it has stopped, so the e2e
 * project's global teardown (`global-teardown.ts`) can stop whatever a failed test or setup left
 * behind — even when the worker running that test died.
 */
import { spawn, type ChildProcess, type SpawnOptions } from "node:child_process";
import { mkdirSync, readdirSync, rmSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

export const REGISTRY_DIR = resolve(".build/test-processes");

export interface TrackedProcess {
  child: ChildProcess;
  /** SIGTERM to the whole group; SIGKILL after `graceMs` if it has not exited. Idempotent. */
  stop(graceMs?: number): Promise<void>;
}

function signalGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    // The group is gone already.
  }
}

export function spawnTracked(command: string, args: string[], options: SpawnOptions): TrackedProcess {
  const child = spawn(command, args, { ...options, detached: true });
  const pid = child.pid;
  if (pid === undefined) throw new Error(`could not start ${command}`);
  mkdirSync(REGISTRY_DIR, { recursive: true });
  const entry = join(REGISTRY_DIR, String(pid));
  writeFileSync(entry, `${[command, ...args].join(" ")}\n`);
  const exited = new Promise<void>((done) => child.once("exit", () => done()));
  // The group may hold workerd after wrangler itself exits: the group, not the leader, is what stops.
  void exited.then(() => signalGroup(pid, "SIGKILL")).finally(() => rmSync(entry, { force: true }));
  return {
    child,
    async stop(graceMs = 5000) {
      signalGroup(pid, "SIGTERM");
      const timer = setTimeout(() => signalGroup(pid, "SIGKILL"), graceMs);
      await exited;
      clearTimeout(timer);
      signalGroup(pid, "SIGKILL");
    },
  };
}

/** Stops every group still written down (what a crashed test left): returns how many there were. */
export function stopAllTracked(): number {
  let entries: string[];
  try {
    entries = readdirSync(REGISTRY_DIR);
  } catch {
    return 0;
  }
  for (const entry of entries) {
    const pid = Number(entry);
    if (Number.isInteger(pid) && pid > 1) signalGroup(pid, "SIGKILL");
    rmSync(join(REGISTRY_DIR, entry), { force: true });
  }
  return entries.length;
}
