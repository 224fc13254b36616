import { spawnSync } from "node:child_process";
import { createHash } from "node:crypto";
import { cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { setupProblems, writeDatabaseId } from "../../scripts/setup/configs.mjs";

/**
 * `npm run setup:production` (scripts/setup-environment.mjs) and `npm run deploy`
 * (scripts/deploy.mjs) against copies of the repository's configs, with wrangler replaced by a
 * mock (test/deploy/mock-wrangler.mjs) that keeps a pretend account in a folder and logs each call
 * — of a secret only its SHA-256 — so every step is seen without a Cloudflare account.
 */
const MOCK = resolve("test/deploy/mock-wrangler.mjs");
const AUTH_CONFIG = "workers/auth/wrangler.jsonc";
const BACKEND_CONFIG = "wrangler.jsonc";
const SIGNING_KEYS = ["ACCESS_SIGNING_KEY", "SERVICE_SIGNING_KEY", "OAUTH_STATE_SIGNING_KEY", "DEVICE_SIGNING_KEY"];
/** Every secret setup generates for the auth Worker (scripts/setup/secrets.mjs). */
const AUTH_SECRETS = [...SIGNING_KEYS, "MFA_ENCRYPTION_KEY"];
const PLACEHOLDER = /00000000-0000-4000-8000-[0-9a-f]{12}/;

interface Call {
  argv: string[];
  stdinBytes?: number;
  stdinSha256?: string;
  jwk?: { kty: string; crv: string; kidPurpose: string; private: boolean };
}
interface Run {
  status: number | null;
  stdout: string;
  stderr: string;
  calls: Call[];
}

const scratch = mkdtempSync(join(tmpdir(), "tether-setup-"));
afterAll(() => rmSync(scratch, { recursive: true, force: true }));

/** A project folder holding copies of both configs and the migrations, and an empty pretend account. */
function project(name: string) {
  const root = join(scratch, name, "root");
  const account = join(scratch, name, "account");
  mkdirSync(join(root, "workers/auth"), { recursive: true });
  mkdirSync(account, { recursive: true });
  cpSync(BACKEND_CONFIG, join(root, BACKEND_CONFIG));
  cpSync(AUTH_CONFIG, join(root, AUTH_CONFIG));
  cpSync("migrations", join(root, "migrations"), { recursive: true });
  const outputs: string[] = [];
  let seen = 0;
  /** Runs a script on the copies; answers its output and the wrangler calls it made. */
  const run = (script: string, args: string[], { loggedOut = false } = {}): Run => {
    const result = spawnSync(process.execPath, [script, ...args, "--root", root], {
      encoding: "utf8",
      env: { ...process.env, TETHER_WRANGLER: MOCK, MOCK_WRANGLER_STATE: account, MOCK_WRANGLER_LOGGED_OUT: loggedOut ? "1" : "0" },
    });
    outputs.push(result.stdout, result.stderr);
    const all = readCalls(account);
    const calls = all.slice(seen);
    seen = all.length;
    return { status: result.status, stdout: result.stdout, stderr: result.stderr, calls };
  };
  return {
    root,
    account,
    outputs,
    setup: (...args: string[]) => run("scripts/setup-environment.mjs", ["production", ...args]),
    setupLoggedOut: (...args: string[]) => run("scripts/setup-environment.mjs", ["production", ...args], { loggedOut: true }),
    deploy: (...args: string[]) => run("scripts/deploy.mjs", args),
    config: (path: string) => readFileSync(join(root, path), "utf8"),
    state: () => JSON.parse(readFileSync(join(account, "state.json"), "utf8")) as { databases: Array<{ uuid: string; name: string }> },
  };
}

function readCalls(account: string): Call[] {
  try {
    return readFileSync(join(account, "calls.jsonl"), "utf8")
      .split("\n")
      .filter(Boolean)
      .map((line) => JSON.parse(line) as Call);
  } catch {
    return [];
  }
}

/** Calls that change the account; the rest only read it. */
function mutating(calls: Call[]): string[] {
  return calls
    .filter(({ argv }) => {
      const [first, second, third] = argv;
      if (first === "deploy") return true;
      if (first === "secret") return second === "put";
      if (first !== "d1") return true;
      if (second === "create") return true;
      if (second === "migrations") return third === "apply";
      if (second === "execute") return !/^SELECT /.test(argv[argv.indexOf("--command") + 1] ?? "");
      return second !== "list";
    })
    .map(({ argv }) => argv.filter((arg) => !/^(INSERT|SELECT) /.test(arg)).join(" "));
}

const originalAuth = readFileSync(AUTH_CONFIG, "utf8");
const originalBackend = readFileSync(BACKEND_CONFIG, "utf8");

describe("npm run setup:production, a dry run by default", () => {
  it("with no Cloudflare login prints every step's plan, exits 0 and changes nothing", () => {
    const { setupLoggedOut, config } = project("logged-out");
    const { status, stdout, calls } = setupLoggedOut();

    expect(status).toBe(0);
    expect(stdout).toContain("wrangler cannot read the account");
    for (const step of [
      "1. D1 databases",
      "would create tether-auth-production, and write its id into workers/auth/wrangler.jsonc",
      "would create tether-app-production, and write its id into wrangler.jsonc",
      "2. Migrations",
      "$ npx wrangler d1 migrations apply tether-auth-production --remote -c workers/auth/wrangler.jsonc --env production",
      "$ npx wrangler d1 migrations apply tether-app-production --remote -c wrangler.jsonc --env production",
      "3. Secrets",
      ...AUTH_SECRETS.map((name) => `$ npx wrangler secret put ${name} -c workers/auth/wrangler.jsonc --env production`),
      "4. The backend's service client",
      "would register tether-backend-production in tether-auth-production",
      "$ npx wrangler secret put AUTH_SERVICE_SECRET -c wrangler.jsonc --env production",
      "5. What only a person can do",
      "curl -s https://auth.tether.example/health",
      "npx wrangler email sending enable tether.example",
      "npx wrangler secret put OAUTH_CLIENT_SECRET_GOOGLE -c workers/auth/wrangler.jsonc --env production",
      "https://auth.tether.example/auth/oauth/github/callback",
      "npm run deploy",
    ]) {
      expect(stdout).toContain(step);
    }
    // One read found the account unreachable; nothing after it asked again.
    expect(calls.map((call) => call.argv.join(" "))).toEqual(["d1 list --json"]);
    expect(mutating(calls)).toEqual([]);
    expect(config(AUTH_CONFIG)).toBe(originalAuth);
    expect(config(BACKEND_CONFIG)).toBe(originalBackend);
  });

  it("with a login reads the account and still changes nothing", () => {
    const { setup, config } = project("dry-run");
    const { status, stdout, calls } = setup();

    expect(status).toBe(0);
    expect(stdout).not.toContain("cannot read the account");
    expect(stdout).toContain("would create tether-auth-production");
    expect(calls.length).toBeGreaterThan(0);
    expect(mutating(calls)).toEqual([]);
    expect(config(AUTH_CONFIG)).toBe(originalAuth);
    expect(config(BACKEND_CONFIG)).toBe(originalBackend);
  });
});

describe("npm run setup:production -- --apply, against a mocked wrangler", () => {
  const env = project("apply");
  let first: Run;
  let afterFirst: { auth: string; backend: string };
  let second: Run;
  let dryRunAfter: Run;

  beforeAll(() => {
    first = env.setup("--apply");
    afterFirst = { auth: env.config(AUTH_CONFIG), backend: env.config(BACKEND_CONFIG) };
    second = env.setup("--apply");
    dryRunAfter = env.setup();
  });

  it("does each step once: two databases, their migrations, each secret, one registration", () => {
    expect(first.status, first.stderr).toBe(0);
    expect(mutating(first.calls).sort()).toEqual(
      [
        "d1 create tether-auth-production -c workers/auth/wrangler.jsonc",
        "d1 create tether-app-production -c wrangler.jsonc",
        "d1 migrations apply tether-auth-production --remote -c workers/auth/wrangler.jsonc --env production",
        "d1 migrations apply tether-app-production --remote -c wrangler.jsonc --env production",
        ...AUTH_SECRETS.map((name) => `secret put ${name} -c workers/auth/wrangler.jsonc --env production`),
        "secret put AUTH_SERVICE_SECRET -c wrangler.jsonc --env production",
        "d1 execute tether-auth-production --remote -c workers/auth/wrangler.jsonc --env production --command",
      ].sort(),
    );
  });

  it("writes each database's id into [env.production] of its config, and changes nothing else", () => {
    const ids = Object.fromEntries(env.state().databases.map((db) => [db.name, db.uuid]));
    expect(afterFirst.auth).toBe(originalAuth.replace("00000000-0000-4000-8000-00000000a003", ids["tether-auth-production"] ?? ""));
    expect(afterFirst.backend).toBe(originalBackend.replace("00000000-0000-4000-8000-00000000b003", ids["tether-app-production"] ?? ""));
    expect(ids["tether-auth-production"]).not.toMatch(PLACEHOLDER);
  });

  it("puts each signing key as a fresh ES256 private JWK of its own purpose, on stdin", () => {
    const puts = first.calls.filter((call) => call.argv[0] === "secret" && call.argv[1] === "put");
    for (const [name, purpose] of SIGNING_KEYS.map((name, index) => [name, ["access", "service", "oauth_state", "device"][index]])) {
      const put = puts.find((call) => call.argv[2] === name);
      expect(put?.jwk).toEqual({ kty: "EC", crv: "P-256", kidPurpose: purpose, private: true });
    }
    expect(new Set(puts.map((call) => call.stdinSha256)).size).toBe(puts.length);
    expect(puts.find((call) => call.argv[2] === "AUTH_SERVICE_SECRET")?.stdinBytes).toBe(43);
    // 32 bytes, base64 with its padding.
    expect(puts.find((call) => call.argv[2] === "MFA_ENCRYPTION_KEY")?.stdinBytes).toBe(44);
  });

  it("registers the backend with the SHA-256 of the very secret it puts into the backend", () => {
    const register = first.calls.find((call) => call.argv[1] === "execute" && /^INSERT /.test(call.argv.at(-1) ?? ""));
    const put = first.calls.find((call) => call.argv[2] === "AUTH_SERVICE_SECRET");
    const secretHash = register?.argv.at(-1)?.match(/'tether-backend-production', '[^']*', '([\w-]{43})'/)?.[1];
    // The mock keeps the secret's hex SHA-256; the database its base64url SHA-256: the same digest.
    expect(Buffer.from(secretHash ?? "", "base64url").toString("hex")).toBe(put?.stdinSha256);
  });

  it("a second run calls no command that changes anything, and leaves the configs as they were", () => {
    expect(second.status, second.stderr).toBe(0);
    expect(mutating(second.calls)).toEqual([]);
    expect(second.stdout).not.toMatch(/^ {2}\+ /m);
    expect(env.config(AUTH_CONFIG)).toBe(afterFirst.auth);
    expect(env.config(BACKEND_CONFIG)).toBe(afterFirst.backend);
    expect(dryRunAfter.status).toBe(0);
    expect(dryRunAfter.stdout).not.toContain("would");
  });

  it("never shows a secret: not in any output, not in any file written, not in the mock's log", () => {
    const secretHashes = new Set(first.calls.flatMap((call) => (call.stdinSha256 ? [call.stdinSha256] : [])));
    expect(secretHashes.size).toBe(AUTH_SECRETS.length + 1);
    const files = [env.root, env.account].flatMap(filesUnder).map((path) => readFileSync(path, "utf8"));
    for (const text of [...env.outputs, ...files]) {
      // A JWK's private part, under any formatting.
      expect(text).not.toMatch(/"d"\s*:/);
      // Any JSON object, base64 or base64url run that could be one of the values put.
      const candidates = [...(text.match(/\{[^{}]*\}/g) ?? []), ...(text.match(/[\w+/=-]{40,}/g) ?? []), ...text.split(/\s+/)];
      for (const candidate of candidates) {
        expect(secretHashes.has(createHash("sha256").update(candidate).digest("hex"))).toBe(false);
      }
    }
  });
});

describe("the checklist", () => {
  it("asks for the passkey relying party once the section names one, flagging the example host", () => {
    const env = project("passkeys");
    const path = join(env.root, AUTH_CONFIG);
    const text = readFileSync(path, "utf8");
    // The repository's config may already name them; the copy gets them if not.
    if (!/^WEBAUTHN_RP_ID/m.test(text.slice(text.indexOf("[env.production.vars]")))) {
      writeFileSync(
        path,
        text.replace(
          "[env.production.vars]\n",
          '[env.production.vars]\nWEBAUTHN_RP_ID = "tether.example"\nWEBAUTHN_ORIGINS = "https://tether.example"\n',
        ),
      );
    }
    const { status, stdout } = env.setupLoggedOut();
    expect(status).toBe(0);
    expect(stdout).toMatch(/\[ \] Passkeys: WEBAUTHN_RP_ID = "[^"]+"/);
    expect(stdout).toContain("a passkey works only under the RP ID it was made for");
  });
});

describe("npm run setup:production -- --apply with no Cloudflare login", () => {
  it("stops at the first read with wrangler's reason and what to run again, having changed nothing", () => {
    const { setupLoggedOut, config } = project("apply-logged-out");
    const { status, stderr, calls } = setupLoggedOut("--apply");
    expect(status).toBe(1);
    expect(stderr).toContain("npx wrangler d1 list --json");
    expect(stderr).toContain("CLOUDFLARE_API_TOKEN");
    expect(stderr).toContain("npm run setup:production -- --apply");
    expect(calls.map((call) => call.argv.join(" "))).toEqual(["d1 list --json"]);
    expect(config(AUTH_CONFIG)).toBe(originalAuth);
    expect(config(BACKEND_CONFIG)).toBe(originalBackend);
  });
});

describe("setup mends half a service client by re-keying both halves", () => {
  it("puts a new secret and registers its hash again when the backend's secret is gone", () => {
    const env = project("rekey");
    expect(env.setup("--apply").status).toBe(0);
    const statePath = join(env.account, "state.json");
    const state = JSON.parse(readFileSync(statePath, "utf8")) as { workers: Record<string, string[]> };
    const key = `${BACKEND_CONFIG}#production`;
    state.workers[key] = (state.workers[key] ?? []).filter((name) => name !== "AUTH_SERVICE_SECRET");
    writeFileSync(statePath, JSON.stringify(state));

    const again = env.setup("--apply");
    expect(again.status, again.stderr).toBe(0);
    expect(again.stdout).toContain("re-keying both");
    expect(mutating(again.calls)).toEqual([
      "d1 execute tether-auth-production --remote -c workers/auth/wrangler.jsonc --env production --command",
      "secret put AUTH_SERVICE_SECRET -c wrangler.jsonc --env production",
    ]);
  });
});

describe("npm run deploy", () => {
  it("refuses before setup:production has run, naming the command, and deploys nothing", () => {
    const env = project("deploy-early");
    const { status, stderr, calls } = env.deploy();
    expect(status).toBe(1);
    expect(stderr).toContain("production is not set up yet");
    expect(stderr).toContain("npm run setup:production -- --apply");
    expect(calls).toEqual([]);
  });

  it("after setup:production --apply deploys production, the auth Worker first; staging still refuses", () => {
    const env = project("deploy");
    expect(env.setup("--apply").status).toBe(0);
    const production = env.deploy();
    expect(production.status, production.stderr).toBe(0);
    expect(production.calls.map((call) => call.argv.join(" "))).toEqual([
      "deploy -c workers/auth/wrangler.jsonc --env production",
      "deploy -c wrangler.jsonc --env production",
    ]);
    const staging = env.deploy("staging");
    expect(staging.status).toBe(1);
    expect(staging.stderr).toContain("npm run setup:staging -- --apply");
  });

  it("knows setup ran from the configs alone: every database of the section has an id of its own", () => {
    const env = project("problems");
    expect(setupProblems(env.root, "production")).toHaveLength(2);
    writeDatabaseId(env.root, AUTH_CONFIG, "tether-auth-production", "6a1e9b5c-2f0d-4c3a-9e57-0b1f2d3c4e5f");
    expect(setupProblems(env.root, "production")).toEqual([
      "wrangler.jsonc: [env.production] APP_DB (tether-app-production) has no database id of its own yet",
    ]);
    // The top level and [env.dev] keep their local ids: only the section set up changed.
    expect(env.config(AUTH_CONFIG).match(new RegExp(PLACEHOLDER, "g"))).toHaveLength(3);
  });
});

describe("writing a database id", () => {
  it("edits the one value in a wrangler.jsonc too, and reports no change when it is already there", () => {
    const root = join(scratch, "jsonc");
    mkdirSync(root, { recursive: true });
    const config = `{
  // The app's database.
  "name": "app",
  "env": { "production": { "d1_databases": [
    { "binding": "APP_DB", "database_name": "app-production", "database_id": "00000000-0000-4000-8000-00000000b003", "migrations_dir": "m" }
  ] } }
}
`;
    writeFileSync(join(root, "wrangler.jsonc"), config);
    const id = "6a1e9b5c-2f0d-4c3a-9e57-0b1f2d3c4e5f";
    expect(writeDatabaseId(root, "wrangler.jsonc", "app-production", id)).toBe(true);
    expect(readFileSync(join(root, "wrangler.jsonc"), "utf8")).toBe(config.replace("00000000-0000-4000-8000-00000000b003", id));
    expect(writeDatabaseId(root, "wrangler.jsonc", "app-production", id)).toBe(false);
    expect(() => writeDatabaseId(root, "wrangler.jsonc", "no-such-database", id)).toThrow(/no d1_databases entry/);
  });
});

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}
