// Number formats and the peer order shared by RESULTS.md's sections.
import type { PeerName } from "./clients.ts";

export const PEERS: PeerName[] = ["tether", "floor", "partyserver", "agents", "socket.io"];
export const ms = (value: number) => (Number.isFinite(value) ? (value < 10 ? value.toFixed(2) : value.toFixed(1)) : "–");
export const times = (value: number) => (Number.isFinite(value) ? `${value.toFixed(2)}×` : "–");
