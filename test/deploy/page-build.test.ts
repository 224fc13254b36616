import { spawnSync } from "node:child_process";
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";

/** The page's build (scripts/build-page.mjs) as a deploy runs it, and as `npm run dev` does. */
describe("the page's build", () => {
  const dir = mkdtempSync(join(tmpdir(), "tether-page-"));
  const outfile = join(dir, "app.js");
  const build = (...args: string[]) => {
    const result = spawnSync(process.execPath, ["scripts/build-page.mjs", ...args], {
      env: { ...process.env, BUILD_PAGE_OUTFILE: outfile },
      encoding: "utf8",
    });
    expect(result.status, result.stderr).toBe(0);
  };

  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("for a deploy writes no source map, and deletes one an earlier dev build left", () => {
    writeFileSync(`${outfile}.map`, "{}");
    build();
    expect(existsSync(`${outfile}.map`)).toBe(false);
    expect(readFileSync(outfile, "utf8")).not.toContain("sourceMappingURL");
  });

  it("for development links a source map", () => {
    build("--dev");
    expect(existsSync(`${outfile}.map`)).toBe(true);
    expect(readFileSync(outfile, "utf8")).toContain("sourceMappingURL=app.js.map");
  });
});
