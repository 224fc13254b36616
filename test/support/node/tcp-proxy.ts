import { createServer, Socket, type Server } from "node:net";

/**
 * A TCP proxy on 127.0.0.1 in front of a local server, so a test can cut the network under a
 * live WebSocket: `dropAll()` resets every connection (RST, no close frame), as a lost Wi-Fi or
 * a mobile handover would; `blackHole()` keeps every connection open but carries nothing, either
 * way, as a NAT that forgot the flow or a sleeping laptop would — nothing tells either side. It
 * counts connections, so a test can tell a reconnect loop apart.
 */
export interface TcpProxy {
  origin: string;
  /** Connections accepted so far. */
  readonly connections: number;
  /** Resolves once `count` connections have been accepted in all. */
  connectionsReached(count: number): Promise<void>;
  /** Resets every open connection, both sides. */
  dropAll(): void;
  /** From now on nothing passes, on open connections or new ones, and no connection ends. */
  blackHole(): void;
  /** New connections pass again (the black-holed ones stay dead, as after a real outage). */
  restore(): void;
  close(): Promise<void>;
}

export async function startTcpProxy(target: string): Promise<TcpProxy> {
  const { hostname, port } = new URL(target);
  const open = new Set<Socket>();
  let connections = 0;
  let holed = false;
  const waiting: Array<{ count: number; resolve(): void }> = [];
  const pairs = new Set<[Socket, Socket]>();
  /** Stops carrying data between the two sides; what arrives is read and dropped. */
  const swallow = ([client, upstream]: [Socket, Socket]) => {
    client.unpipe(upstream);
    upstream.unpipe(client);
    for (const socket of [client, upstream]) socket.on("data", () => undefined);
  };
  const server: Server = createServer((client) => {
    connections += 1;
    for (const waiter of waiting.filter((entry) => entry.count <= connections)) {
      waiting.splice(waiting.indexOf(waiter), 1);
      waiter.resolve();
    }
    open.add(client);
    client.on("close", () => open.delete(client));
    client.on("error", () => undefined);
    if (holed) {
      // The handshake goes nowhere: the client waits, as for a SYN nobody answers.
      client.on("data", () => undefined);
      return;
    }
    const upstream = new Socket();
    upstream.connect(Number(port), hostname);
    const pair: [Socket, Socket] = [client, upstream];
    pairs.add(pair);
    upstream.on("close", () => pairs.delete(pair));
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
    connectionsReached: (count) =>
      count <= connections ? Promise.resolve() : new Promise<void>((resolve) => waiting.push({ count, resolve })),
    dropAll() {
      for (const socket of open) socket.resetAndDestroy();
    },
    blackHole() {
      holed = true;
      for (const pair of pairs) swallow(pair);
    },
    restore() {
      holed = false;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of open) socket.destroy();
        server.close(() => resolve());
      }),
  };
}
