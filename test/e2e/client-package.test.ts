import { spawnSync } from "node:child_process";
import { copyFileSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { startLocalStack, type LocalStack } from "../support/node/local-stack.js";

/**
 * The SDK as a team gets it: `npm pack` of client/ (its build runs first), installed from the
 * tarball into a scratch project, a consumer file typechecked against the installed package
 * (strict, declarations checked too), and run with Node against the real Workers: it connects,
 * sends a message and prints the `agent_completed` it receives.
 */
const root = process.cwd();
/** npm and the package's build run under this Node, whatever the machine's own is. */
const env = { ...process.env, PATH: `${dirname(process.execPath)}:${join(root, "node_modules/.bin")}:${process.env.PATH ?? ""}` };

function run(command: string, args: string[], cwd: string) {
  const result = spawnSync(command, args, { cwd, env, encoding: "utf8", timeout: 180_000 });
  if (result.status !== 0) throw new Error(`${command} ${args.join(" ")} failed (${result.status}):\n${result.stdout}\n${result.stderr}`);
  return result.stdout;
}

describe("the packed client SDK", () => {
  let stack: LocalStack;
  let scratch: string;

  beforeAll(async () => {
    scratch = mkdtempSync(join(tmpdir(), "tether-consumer-"));
    stack = await startLocalStack();
  });

  afterAll(async () => {
    await stack?.stop();
    if (scratch) rmSync(scratch, { recursive: true, force: true });
  });

  it("installs from its tarball, typechecks in a consumer's project, and runs a message to agent_completed", () => {
    run("npm", ["run", "build"], join(root, "client"));
    const [packed] = JSON.parse(
      run("npm", ["pack", "--json", "--ignore-scripts", "--pack-destination", scratch], join(root, "client")),
    ) as Array<{
      filename: string;
      files: Array<{ path: string }>;
    }>;
    if (!packed) throw new Error("npm pack packed nothing");
    // What is published: the build, the manifest and its README, no sources.
    expect(
      packed.files.map((file) => file.path).every((path) => path.startsWith("dist/") || ["package.json", "README.md"].includes(path)),
    ).toBe(true);

    writeFileSync(
      join(scratch, "package.json"),
      JSON.stringify({ name: "consumer", private: true, type: "module", dependencies: { "@tether/client": `file:./${packed.filename}` } }),
    );
    run("npm", ["install", "--no-audit", "--no-fund", "--prefer-offline", "--loglevel=error"], scratch);
    const installed = JSON.parse(readFileSync(join(scratch, "node_modules/@tether/client/package.json"), "utf8")) as { name: string };
    expect(installed.name).toBe("@tether/client");

    copyFileSync(join(root, "test/e2e/fixtures/client-consumer/consumer.ts"), join(scratch, "consumer.ts"));
    writeFileSync(
      join(scratch, "tsconfig.json"),
      JSON.stringify({
        compilerOptions: {
          strict: true,
          target: "es2022",
          module: "nodenext",
          moduleResolution: "nodenext",
          lib: ["es2022", "dom"],
          types: [],
          noEmit: true,
          skipLibCheck: false,
        },
        files: ["consumer.ts"],
      }),
    );
    run(process.execPath, [join(root, "node_modules/typescript/bin/tsc"), "-p", "tsconfig.json"], scratch);

    const output = run(process.execPath, ["consumer.ts", stack.origin], scratch);
    const report = JSON.parse(output.trim().split("\n").at(-1) ?? "{}") as { result: string; seen: string[] };
    expect(report.result).toBe("2+2 = 4");
    expect(report.seen[0]).toBe("threads 0");
    expect(report.seen[1]).toMatch(/^ack /);
  });
});
