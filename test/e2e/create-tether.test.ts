import { execFileSync } from "node:child_process";
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";

/**
 * The starter's bin as `npm create tether` runs it. What the app it writes does — install, test,
 * deploy — is proved by the starter check in CI (scripts/starter-check.mjs), from packed tarballs.
 */
const BIN = "workers/create-tether/bin/create-tether.mjs";
const folders: string[] = [];
afterEach(() => {
  for (const folder of folders.splice(0)) rmSync(folder, { recursive: true, force: true });
});

function scratch(): string {
  const folder = mkdtempSync(join(tmpdir(), "create-tether-test-"));
  folders.push(folder);
  return folder;
}

function create(cwd: string, target: string): { status: number; stdout: string; stderr: string } {
  try {
    const stdout = execFileSync(process.execPath, [join(process.cwd(), BIN), target], { cwd, encoding: "utf8", stdio: "pipe" });
    return { status: 0, stdout, stderr: "" };
  } catch (error) {
    const failed = error as { status: number; stdout: string; stderr: string };
    return { status: failed.status, stdout: failed.stdout, stderr: failed.stderr };
  }
}

describe("create-tether", () => {
  it("writes an app named after its folder, with both Workers' configs, an agent, a tool, a page and a test", () => {
    const cwd = scratch();
    const result = create(cwd, "order-desk");
    expect(result.status).toBe(0);
    const app = join(cwd, "order-desk");
    expect(readdirSync(app).sort()).toEqual(
      [
        ".gitignore",
        "README.md",
        "auth",
        "package.json",
        "public",
        "src",
        "test",
        "tsconfig.json",
        "vitest.config.ts",
        "wrangler.jsonc",
      ].sort(),
    );
    const manifest = JSON.parse(readFileSync(join(app, "package.json"), "utf8")) as { name: string; dependencies: Record<string, string> };
    expect(manifest.name).toBe("order-desk");
    expect(manifest.dependencies).toMatchObject({ "@tether/server": "^0.1.0", "@tether/auth": "^0.1.0", "@tether/client": "^0.1.0" });
    expect(readFileSync(join(app, "wrangler.jsonc"), "utf8")).toContain('"name": "order-desk-backend"');
    expect(readFileSync(join(app, "auth/wrangler.jsonc"), "utf8")).toContain('"migrations_dir": "../node_modules/@tether/auth/migrations"');
    expect(readdirSync(join(app, "src"), { recursive: true }).sort()).toEqual(
      ["agents", "agents/assistant.ts", "auth.ts", "backend.ts", "tools", "tools/lookup-order.ts"].sort(),
    );
    expect(result.stdout).toContain("npm run dev");
  });

  it("refuses a folder that is not empty, names it, and writes nothing", () => {
    const cwd = scratch();
    mkdirSync(join(cwd, "mine"));
    writeFileSync(join(cwd, "mine", "notes.txt"), "keep me\n");
    const result = create(cwd, "mine");
    expect(result.status).toBe(1);
    expect(result.stderr).toContain(`${join(cwd, "mine")} is not empty`);
    expect(readdirSync(join(cwd, "mine"))).toEqual(["notes.txt"]);
    expect(readFileSync(join(cwd, "mine", "notes.txt"), "utf8")).toBe("keep me\n");
  });

  it("refuses a name with no letters or digits, and a file in the folder's place", () => {
    const cwd = scratch();
    expect(create(cwd, "@@@")).toMatchObject({ status: 1, stderr: expect.stringContaining("no usable app name") });
    writeFileSync(join(cwd, "taken"), "a file\n");
    expect(create(cwd, "taken")).toMatchObject({ status: 1, stderr: expect.stringContaining("is not a folder") });
    expect(readdirSync(cwd).sort()).toEqual(["taken"]);
  });
});
