import { existsSync, readFileSync } from "node:fs";
import { describe, expect, it } from "vitest";

/**
 * docs/architecture.md walks one `user_message` from the socket to its last frame, a numbered step
 * per file it reaches. The walk stays one a reader can follow: every file it names exists, it opens
 * at most MAX_FILES files, and it goes back to a file already left (named again after another file
 * came between) at most MAX_RETURNS times.
 */
const MAX_FILES = 15;
const MAX_RETURNS = 3;
const HEADING = "## One message, file by file";

/** The section's numbered steps, as their lines. */
function steps(markdown: string): string[] {
  const start = markdown.indexOf(`\n${HEADING}\n`);
  if (start === -1) return [];
  const rest = markdown.slice(start + HEADING.length + 2);
  const end = rest.search(/^## /m);
  return (end === -1 ? rest : rest.slice(0, end)).split("\n").filter((line) => /^\d+\. /.test(line));
}

/** The repository paths a line names in code spans (`durable-objects/user-session.ts`). */
function pathsIn(line: string): string[] {
  return [...line.matchAll(/`([\w.@-]+(?:\/[\w.@-]+)+)`/g)].map((match) => match[1] ?? "");
}

/** Each time the walk names a file it had left, with another file between. */
function returns(files: readonly string[]): string[] {
  return files.filter((file, index) => index > 0 && files[index - 1] !== file && files.slice(0, index).includes(file));
}

describe("one message, file by file (docs/architecture.md)", () => {
  const walk = steps(readFileSync("docs/architecture.md", "utf8"));
  const files = walk.map((line) => pathsIn(line)[0] ?? "");

  it("is a numbered list, 1, 2, 3…, each step naming the one file it happens in", () => {
    expect(walk.length).toBeGreaterThan(0);
    expect(walk.map((line) => Number(line.split(".")[0]))).toEqual(walk.map((_, index) => index + 1));
    expect(walk.filter((line) => pathsIn(line).length !== 1)).toEqual([]);
  });

  it("starts where a socket's message arrives", () => {
    expect(files[0]).toBe("durable-objects/user-session.ts");
    expect(walk[0]).toContain("webSocketMessage");
  });

  it("names only files that exist", () => {
    expect(files.filter((file) => !existsSync(file))).toEqual([]);
  });

  it(`opens at most ${MAX_FILES} files`, () => {
    expect(new Set(files).size).toBeLessThanOrEqual(MAX_FILES);
  });

  it(`returns to a file already left at most ${MAX_RETURNS} times`, () => {
    expect(returns(files).length).toBeLessThanOrEqual(MAX_RETURNS);
  });
});
