import { createServer, Socket, type Server } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of a local server, so a test can cut the network under a
 * live WebSocket: `dropAll()` resets every connection (RST, no close frame), as a lost Wi-Fi or
 * a mobile handover would. It counts connections, so a test can tell a reconnect loop apart.
 */
export interface TcpProxy {
  origin: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Resets every open connection, both sides. */
  dropAll(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let connections = 0;
  const server: Server = createServer((client) => {
    connections += 1;
    const upstream = new Socket();
    upstream.connect(Number(port), hostname);
    for (const socket of [client, upstream]) {
      open.add(socket);
      socket.on("close", () => open.delete(socket));
      // A reset on one side ends the other: the peer sees what a real network failure shows.
      socket.on("error", () => undefined);
    }
    client.on("close", () => upstream.destroy());
    upstream.on("close", () => client.destroy());
    client.pipe(upstream);
    upstream.pipe(client);
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const address = server.address();
  if (typeof address !== "object" || address === null) throw new Error("the proxy has no port");
  return {
    origin: `http://127.0.0.1:${address.port}`,
    get connections() {
      return connections;
    },
    dropAll() {
      for (const socket of open) socket.resetAndDestroy();
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
