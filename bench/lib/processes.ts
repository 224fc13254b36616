// The servers under test, each a child process of the harness on 127.0.0.1, and what their
// memory is: read from /proc (VmRSS now, VmHWM the peak), so only Linux is supported.
import { spawn, type ChildProcess } from "node:child_process";
import { readdirSync, readFileSync } from "node:fs";
import type { HostSpec } from "../hosts/miniflare-host.ts";

export interface Memory {
  rssMb: number;
  peakMb: number;
}

export interface ServerProcess {
  origin: string;
  /** performance.now() when the process was spawned, and when it said it listens (READY). */
  spawnedAt: number;
  readyAt: number;
  /** What a client connects to and what is measured: workerd for the Workers, Node for socket.io. */
  memory(): Memory;
  /** CPU time the server has used so far (user + system), in milliseconds. */
  cpuMs(): number;
  stop(): Promise<void>;
}

const READY_TIMEOUT_MS = 120_000;

/**
 * A running server's own messages, not its Workers' request logs (JSON lines), to the harness's
 * stderr, a whole line at a time (a chunk may end mid-line).
 */
function unstructuredForwarder(label: string): (text: string) => void {
  let partial = "";
  return (text) => {
    const lines = (partial + text).split("\n");
    partial = lines.pop() ?? "";
    for (const line of lines) if (line.trim() !== "" && !line.startsWith("{")) process.stderr.write(`[${label}] ${line}\n`);
  };
}

/**
 * Resolves once the server prints READY. Its output is kept to show why it failed, before READY
 * and after: what a server prints once running (a Miniflare host restarting a workerd that
 * crashed, say) goes to the harness's stderr, so a run that lost a server says so.
 */
function waitForReady(child: ChildProcess, label: string): Promise<void> {
  let output = "";
  let ready = false;
  return new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${label} not ready in time:\n${output}`)), READY_TIMEOUT_MS);
    /** One per stream, so that a line split across chunks is put back together. */
    const reader = () => {
      const forward = unstructuredForwarder(label);
      return (chunk: Buffer) => {
        if (ready) return forward(chunk.toString());
        output += chunk.toString();
        if (/^READY$/m.test(output)) {
          ready = true;
          clearTimeout(timer);
          resolve();
        }
      };
    };
    child.stdout?.on("data", reader());
    child.stderr?.on("data", reader());
    child.once("exit", (code) => {
      clearTimeout(timer);
      reject(new Error(`${label} exited with ${code}:\n${output}`));
    });
  });
}

function stopper(child: ChildProcess): () => Promise<void> {
  return () =>
    new Promise((resolve) => {
      if (child.exitCode !== null) return resolve();
      child.once("exit", () => resolve());
      child.kill("SIGTERM");
    });
}

function statusKb(pid: number, field: "VmRSS" | "VmHWM"): number {
  const line = readFileSync(`/proc/${pid}/status`, "utf8")
    .split("\n")
    .find((entry) => entry.startsWith(`${field}:`));
  return Number(line?.match(/(\d+)/)?.[1] ?? 0);
}

function childrenOf(pid: number): number[] {
  const children: number[] = [];
  for (const entry of readdirSync("/proc")) {
    if (!/^\d+$/.test(entry)) continue;
    try {
      // Field 4 of /proc/<pid>/stat is the parent; the command name (field 2) may hold spaces.
      const stat = readFileSync(`/proc/${entry}/stat`, "utf8");
      const parent = Number(stat.slice(stat.lastIndexOf(")") + 2).split(" ")[1]);
      if (parent === pid) children.push(Number(entry));
    } catch {
      // The process ended while we looked.
    }
  }
  return children;
}

/** utime + stime of /proc/<pid>/stat (fields 14 and 15), in clock ticks of 10 ms. */
function cpuMsOfAll(pids: number[]): number {
  return pids.reduce((total, pid) => {
    const stat = readFileSync(`/proc/${pid}/stat`, "utf8");
    const fields = stat.slice(stat.lastIndexOf(")") + 2).split(" ");
    return total + (Number(fields[11]) + Number(fields[12])) * 10;
  }, 0);
}

function memoryOfAll(pids: number[]): Memory {
  const sum = (field: "VmRSS" | "VmHWM") => pids.reduce((total, pid) => total + statusKb(pid, field), 0) / 1024;
  return { rssMb: sum("VmRSS"), peakMb: sum("VmHWM") };
}

/** Workers in one Miniflare instance; the memory measured is its workerd process, not the Node host. */
export async function startMiniflareHost(label: string, spec: HostSpec): Promise<ServerProcess> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, ["bench/hosts/miniflare-host.ts", JSON.stringify(spec)], { stdio: ["ignore", "pipe", "pipe"] });
  await waitForReady(child, label);
  const readyAt = performance.now();
  const workerd = childrenOf(child.pid ?? -1).filter((pid) => readFileSync(`/proc/${pid}/comm`, "utf8").trim() === "workerd");
  if (workerd.length === 0) throw new Error(`${label}: no workerd process found under the host`);
  return {
    origin: `http://127.0.0.1:${spec.port}`,
    spawnedAt,
    readyAt,
    memory: () => memoryOfAll(workerd),
    cpuMs: () => cpuMsOfAll(workerd),
    stop: stopper(child),
  };
}

/** A Node server script that prints READY when it listens. */
export async function startNodeServer(label: string, script: string, args: string[], port: number): Promise<ServerProcess> {
  const spawnedAt = performance.now();
  const child = spawn(process.execPath, [script, ...args], { stdio: ["ignore", "pipe", "pipe"] });
  await waitForReady(child, label);
  const readyAt = performance.now();
  const pid = child.pid ?? -1;
  return {
    origin: `http://127.0.0.1:${port}`,
    spawnedAt,
    readyAt,
    memory: () => memoryOfAll([pid]),
    cpuMs: () => cpuMsOfAll([pid]),
    stop: stopper(child),
  };
}
