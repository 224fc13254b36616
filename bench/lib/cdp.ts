// A small Chrome DevTools Protocol client for workerd's inspector: enough to take a CPU profile of
// one Worker and reduce it to where the time went (self time per function).

interface CdpMessage {
  id?: number;
  result?: unknown;
  error?: { message: string };
}

export interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
  samples: number[];
  timeDeltas: number[];
}

export interface HotFunction {
  name: string;
  share: number;
}

export class InspectorSession {
  private nextId = 0;
  private readonly pending = new Map<number, (message: CdpMessage) => void>();
  private readonly socket: WebSocket;

  private constructor(socket: WebSocket) {
    this.socket = socket;
    socket.addEventListener("message", (event) => {
      const message = JSON.parse(String(event.data)) as CdpMessage;
      if (message.id !== undefined) this.pending.get(message.id)?.(message);
    });
  }

  /** Attaches to the Worker named `worker` (e.g. "core:user:tether-backend") of an inspector. */
  static async attach(inspectorOrigin: string, worker: string): Promise<InspectorSession> {
    const targets = (await (await fetch(`${inspectorOrigin}/json`)).json()) as Array<{ title: string; webSocketDebuggerUrl: string }>;
    const target = targets.find((entry) => entry.title.endsWith(worker));
    if (!target) throw new Error(`no inspector target for ${worker}`);
    const socket = new WebSocket(target.webSocketDebuggerUrl);
    await new Promise((resolve) => socket.addEventListener("open", resolve, { once: true }));
    return new InspectorSession(socket);
  }

  async send(method: string, params: object = {}): Promise<unknown> {
    const id = (this.nextId += 1);
    const message = await new Promise<CdpMessage>((resolve) => {
      this.pending.set(id, resolve);
      this.socket.send(JSON.stringify({ id, method, params }));
    });
    this.pending.delete(id);
    if (message.error) throw new Error(`${method}: ${message.error.message}`);
    return message.result;
  }

  /** Samples the CPU every `intervalUs` while `work` runs; returns the hottest functions by self time. */
  async profile(work: () => Promise<void>, intervalUs = 100, top = 12): Promise<HotFunction[]> {
    await this.send("Profiler.enable");
    await this.send("Profiler.setSamplingInterval", { interval: intervalUs });
    await this.send("Profiler.start");
    await work();
    const { profile } = (await this.send("Profiler.stop")) as { profile: CpuProfile };
    return hottest(profile, top);
  }

  /** The isolate's JS heap in use after a full garbage collection, in MB. */
  async heapAfterGcMb(): Promise<number> {
    // workerd never answers HeapProfiler.collectGarbage; a heap snapshot collects garbage first
    // (its chunks arrive as events, which are dropped).
    await this.send("HeapProfiler.takeHeapSnapshot", { reportProgress: false });
    const { usedSize } = (await this.send("Runtime.getHeapUsage")) as { usedSize: number };
    return usedSize / 1024 / 1024;
  }

  close(): void {
    this.socket.close();
  }
}

/** Self time per function, as a share of the time the Worker was busy (idle excluded). */
function hottest(profile: CpuProfile, top: number): HotFunction[] {
  const selfTime = new Map<number, number>();
  profile.samples.forEach((node, index) => selfTime.set(node, (selfTime.get(node) ?? 0) + (profile.timeDeltas[index] ?? 0)));
  const byFunction = new Map<string, number>();
  for (const node of profile.nodes) {
    const { functionName, url, lineNumber } = node.callFrame;
    if (functionName === "(idle)") continue;
    const where = url ? ` (${url.split("/").pop()}:${lineNumber + 1})` : "";
    const name = `${functionName || "(anonymous)"}${where}`;
    byFunction.set(name, (byFunction.get(name) ?? 0) + (selfTime.get(node.id) ?? 0));
  }
  const busy = [...byFunction.values()].reduce((sum, time) => sum + time, 0);
  return [...byFunction]
    .sort((a, b) => b[1] - a[1])
    .slice(0, top)
    .map(([name, time]) => ({ name, share: time / busy }));
}
