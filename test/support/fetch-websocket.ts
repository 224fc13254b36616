import type { FetchTarget } from "./http.js";

/**
 * A browser-style WebSocket whose upgrade goes through a Worker's fetch handler, so the client
 * SDK can run inside workerd tests against the real backend (where a test can also reach into the
 * session object). Only the transport is adapted: frames, close codes and reasons are the server's.
 */
export function fetchWebSocket(target: FetchTarget): new (url: string, protocols: string[]) => WebSocket {
  class FetchWebSocket extends EventTarget {
    readyState = 0;
    protocol = "";
    private inner: WebSocket | null = null;

    constructor(
      readonly url: string,
      protocols: string[],
    ) {
      super();
      void this.open(protocols);
    }

    private async open(protocols: string[]): Promise<void> {
      const response = await target.fetch(this.url.replace(/^ws/, "http"), {
        headers: { Upgrade: "websocket", "Sec-WebSocket-Protocol": protocols.join(", ") },
      });
      const socket = response.webSocket;
      if (!socket) return this.closed(1006, "");
      socket.accept();
      this.inner = socket;
      this.protocol = response.headers.get("Sec-WebSocket-Protocol") ?? "";
      this.readyState = 1;
      this.dispatchEvent(new Event("open"));
      socket.addEventListener("message", (event) => this.dispatchEvent(new MessageEvent("message", { data: event.data })));
      socket.addEventListener("close", (event) => this.closed(event.code, event.reason));
    }

    private closed(code: number, reason: string): void {
      if (this.readyState === 3) return;
      this.readyState = 3;
      this.dispatchEvent(new CloseEvent("close", { code, reason, wasClean: code !== 1006 }));
    }

    send(data: string): void {
      this.inner?.send(data);
    }

    close(code?: number, reason?: string): void {
      if (this.readyState >= 2) return;
      this.readyState = 2;
      this.inner?.close(code, reason);
    }
  }
  return FetchWebSocket as unknown as new (url: string, protocols: string[]) => WebSocket;
}
