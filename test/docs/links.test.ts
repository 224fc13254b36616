import { execFileSync } from "node:child_process";
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The repository explains itself: every link in its documents resolves inside the repository —
 * no link to another site, none to a file a clone does not contain — and so does every repository
 * path a document names in a code span (`workers/auth/config.ts`), so a file that moves takes its
 * documents with it. Documents cite the repository's own docs, never a design file a reader does
 * not have.
 */
const DOCUMENTS = [
  "README.md",
  "CONTRIBUTING.md",
  "SECURITY.md",
  ...readdirSync("docs")
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
  "bench/NOTES.md",
];

/** Where a repository path starts: its top-level folders (and any other the repository tracks) and files. */
const TOP_LEVEL_FOLDERS = new Set([
  "workers",
  "durable-objects",
  "client",
  "public",
  "test",
  "bench",
  "scripts",
  "migrations",
  "docs",
  ".ci",
  ...trackedTopLevel()
    .filter((entry) => entry.endsWith("/"))
    .map((entry) => entry.slice(0, -1)),
]);
const TOP_LEVEL_FILES = new Set([
  "wrangler.jsonc",
  "package.json",
  "package-lock.json",
  "tsconfig.json",
  "tsconfig.base.json",
  "vitest.config.ts",
  "eslint.config.js",
  ".dependency-cruiser.cjs",
  "README.md",
  "CONTRIBUTING.md",
  "SECURITY.md",
  "LICENSE",
  ...trackedTopLevel().filter((entry) => !entry.endsWith("/")),
]);

/** The repository's top-level entries as git tracks them: `name/` for a folder. */
function trackedTopLevel(): string[] {
  const files = execFileSync("git", ["ls-files"], { encoding: "utf8" }).split("\n");
  return [...new Set(files.filter(Boolean).map((file) => (file.includes("/") ? `${file.split("/")[0]}/` : file)))];
}

function withoutCode(markdown: string): string {
  return markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
}

function links(markdown: string): string[] {
  // [text](target) and ![alt](target); code spans and blocks cannot hold links.
  return [...withoutCode(markdown).matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? "");
}

/**
 * Code spans outside code blocks that name a path of this repository: one token of path
 * characters starting with a top-level folder (`workers/…`) or naming a top-level file. Paths in a
 * scaffolded app (`src/backend.ts`, `auth/wrangler.jsonc`, `node_modules/@tether/…`) start
 * elsewhere and are not checked.
 */
function repositoryPaths(markdown: string): string[] {
  const spans = [...markdown.replace(/```[\s\S]*?```/g, "").matchAll(/`([^`\n]+)`/g)].map((match) => match[1] ?? "");
  return spans.filter((span) => {
    if (!/^[\w.@-]+(\/[\w.@-]+)*\/?$/.test(span)) return false;
    const [first = "", ...rest] = span.split("/");
    return rest.length > 0 ? TOP_LEVEL_FOLDERS.has(first) : TOP_LEVEL_FILES.has(first);
  });
}

describe.each(DOCUMENTS)("%s", (document) => {
  const markdown = readFileSync(document, "utf8");
  const targets = links(markdown);

  it("links only inside the repository", () => {
    expect(targets.filter((target) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//"))).toEqual([]);
  });

  it("links only to files that exist", () => {
    const missing = targets
      .map((target) => target.split("#")[0] ?? "")
      .filter((path) => path !== "" && !existsSync(join(dirname(document), path)));
    expect(missing).toEqual([]);
  });

  it("names only repository paths that exist", () => {
    expect(repositoryPaths(markdown).filter((path) => !existsSync(path))).toEqual([]);
  });

  it("cites no design file", () => {
    const citations = markdown
      .split("\n")
      .flatMap((line, index) => (/DESIGN (?:§|\.md)/.test(line) ? [`${document}:${index + 1}: ${line.trim()}`] : []));
    expect(citations).toEqual([]);
  });
});

describe("the README", () => {
  const readme = readFileSync("README.md", "utf8");

  it("links every guide in docs/", () => {
    const linked = new Set(links(readme).map((target) => target.split("#")[0]));
    expect(DOCUMENTS.filter((document) => document.startsWith("docs/") && !linked.has(document))).toEqual([]);
  });
});

/**
 * Comments in the code and the configs cite files too (`see durable-objects/session-runs.ts`):
 * every repository path a comment names must exist, and no comment cites a design file or a
 * README section (the README is a landing page; the guides in docs/ hold the detail). An app's
 * own files — the starter's template, the team's files of the starter check — name that app's
 * paths, and are not checked.
 */
describe("comments in code and configs", () => {
  const sources = execFileSync(
    "git",
    ["ls-files", "workers", "durable-objects", "client", "public/src", "scripts", "test", "bench", ".ci"],
    {
      encoding: "utf8",
    },
  )
    .split("\n")
    .filter((file) => /\.(ts|tsx|mts|mjs|cjs|js|toml|jsonc)$/.test(file) || file === ".ci/run")
    .filter((file) => !file.startsWith("workers/create-tether/template/") && !file.startsWith("test/starter/"))
    .filter((file) => !file.endsWith("worker-configuration.d.ts"))
    .concat(["wrangler.jsonc", "vitest.config.ts", "eslint.config.js", ".dependency-cruiser.cjs"]);

  /** The comment text of a file, by line: `//`, `/* … *\/` and `*` lines, and `#` lines of TOML and shell. */
  function commentLines(file: string): Array<[number, string]> {
    const hash = /\.toml$/.test(file) || file === ".ci/run";
    return readFileSync(file, "utf8")
      .split("\n")
      .flatMap((line, index): Array<[number, string]> => {
        const comment = hash ? /(?:^|\s)#\s?(.*)$/.exec(line) : /(?:^\s*\*|\/\/|\/\*)\s?(.*)$/.exec(line);
        return comment ? [[index + 1, comment[1] ?? ""]] : [];
      });
  }

  it("name only repository paths that exist", () => {
    const missing = sources.flatMap((file) =>
      commentLines(file).flatMap(([line, text]) =>
        [...text.matchAll(/(?<![\w./@-])((?:[\w.@-]+\/)+[\w.@-]*)/g)]
          .map((match) => (match[1] ?? "").replace(/[.,:;)]+$/, ""))
          .filter((path) => TOP_LEVEL_FOLDERS.has(path.split("/")[0] ?? "") && /\.\w+$|\/$/.test(path) && !existsSync(path))
          .map((path) => `${file}:${line}: ${path}`),
      ),
    );
    expect(missing).toEqual([]);
  });

  it("cite no design file and no README section", () => {
    const citations = sources.flatMap((file) =>
      commentLines(file)
        .filter(([, text]) => /DESIGN (?:§|\.md)|\(README,/.test(text))
        .map(([line, text]) => `${file}:${line}: ${text.trim()}`),
    );
    expect(citations).toEqual([]);
  });
});
