// The Node peer (never deployed): socket.io over WebSocket only, verifying the token with jose in
// its connection middleware against Tether's JWKS, and answering `echo` with its payload.
//   node bench/peers/socketio-server.ts <port> '<jwks json>'
import { createServer } from "node:http";
import { createLocalJWKSet, jwtVerify, type JSONWebKeySet } from "jose";
import { Server } from "socket.io";

const [portArgument, jwksJson] = process.argv.slice(2);
const keys = createLocalJWKSet(JSON.parse(jwksJson ?? '{"keys":[]}') as JSONWebKeySet);
const http = createServer();
const io = new Server(http, { transports: ["websocket"], serveClient: false });

io.use((socket, next) => {
  const token = typeof socket.handshake.auth.token === "string" ? socket.handshake.auth.token : "";
  jwtVerify(token, keys, { algorithms: ["ES256"], issuer: "http://localhost:8787", audience: "tether-api" })
    .then(() => next())
    .catch(() => next(new Error("unauthorized")));
});

io.on("connection", (socket) => {
  socket.on("echo", (payload: unknown, reply: (payload: unknown) => void) => reply(payload));
});

http.listen(Number(portArgument), "127.0.0.1", () => console.log("READY"));
process.on("SIGTERM", () => io.close(() => process.exit(0)));
