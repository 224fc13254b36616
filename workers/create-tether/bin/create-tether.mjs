#!/usr/bin/env node
// `npm create tether@latest <folder>`: writes a new Tether app into <folder> (docs/getting-started.md
// of the Tether repository). The folder must not exist yet, or be empty: nothing is overwritten,
// and on a refusal nothing is written at all.
import { cpSync, existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from "node:fs";
import { basename, join, resolve } from "node:path";
import { fileURLToPath } from "node:url";

const TEMPLATE = fileURLToPath(new URL("../template/", import.meta.url));
const OWN_VERSION = JSON.parse(readFileSync(new URL("../package.json", import.meta.url), "utf8")).version;
/** npm leaves a package's .gitignore out of its tarball: the template ships it as `gitignore`. */
const RENAMED = { gitignore: ".gitignore" };
const TEXT_FILE = /\.(json|jsonc|ts|js|mjs|html|css|md)$|^gitignore$/;

function refuse(message) {
  console.error(`create-tether: ${message}`);
  process.exit(1);
}

const args = process.argv.slice(2);
if (args.includes("--help") || args.includes("-h") || args.length !== 1 || args[0].startsWith("-")) {
  console.log("usage: npm create tether@latest <folder>   (a new folder, or an empty one)");
  process.exit(args.includes("--help") || args.includes("-h") ? 0 : 1);
}
const target = resolve(args[0]);
const name = basename(target)
  .toLowerCase()
  .replace(/[^a-z0-9-]+/g, "-")
  .replace(/^-+|-+$/g, "");
if (name === "") refuse(`"${args[0]}" gives no usable app name: use letters, digits and dashes.`);
if (existsSync(target)) {
  if (!statSync(target).isDirectory()) refuse(`${target} exists and is not a folder: choose another name.`);
  if (readdirSync(target).length > 0) refuse(`${target} is not empty: choose a new folder (nothing was written).`);
}

mkdirSync(target, { recursive: true });
cpSync(TEMPLATE, target, { recursive: true });
for (const [from, to] of Object.entries(RENAMED)) if (existsSync(join(target, from))) renameSync(join(target, from), join(target, to));

/** Every text file: the app's name, and the packages at this starter's version. */
function fill(folder) {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name);
    if (entry.isDirectory()) fill(path);
    else if (TEXT_FILE.test(entry.name)) {
      const text = readFileSync(path, "utf8");
      const filled = text.replaceAll("__APP_NAME__", name).replaceAll("__TETHER_VERSION__", OWN_VERSION);
      if (filled !== text) writeFileSync(path, filled);
    }
  }
}
fill(target);

console.log(`A Tether app is ready in ${target}:

  cd ${args[0]}
  npm install
  npm run dev      # http://localhost:8787 — sign up, send a message
  npm test         # signs in and drives a real socket through a run

Your agent is src/agents/assistant.ts, your tool src/tools/lookup-order.ts.`);
