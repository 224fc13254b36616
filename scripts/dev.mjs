// `npm run dev`: prepare local state, then run both Workers in one `wrangler dev` on :8787.
import { spawn } from "node:child_process";
import { applyLocalMigrations, ensureDevServiceClient } from "./local-state.mjs";

const PERSIST_TO = ".wrangler/state";

applyLocalMigrations(PERSIST_TO);
ensureDevServiceClient(PERSIST_TO);

const dev = spawn(
  process.execPath,
  [
    "node_modules/wrangler/bin/wrangler.js",
    "dev",
    "-c", "wrangler.toml",
    "-c", "workers/auth/wrangler.toml",
    "--persist-to", PERSIST_TO,
    "--port", process.env.PORT ?? "8787",
    ...process.argv.slice(2),
  ],
  { stdio: "inherit" },
);
for (const signal of ["SIGINT", "SIGTERM"]) process.on(signal, () => dev.kill(signal));
dev.on("exit", (code) => process.exit(code ?? 0));
