import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { dirname, join, relative, resolve } from "node:path";
import ts from "typescript";
import { describe, expect, it } from "vitest";

/**
 * Every TypeScript sample in the README and the guides compiles against the packages as a team
 * would import them. Each ```ts, ```typescript or ```tsx block becomes a module of its own; a
 * block whose first line is `// file: src/agents/assistant.ts` is written at that path instead,
 * so the blocks of one document that carry such markers form one small project and can import
 * each other ("./agents/assistant"). A block fenced ```ts nocheck is skipped, and must say why on
 * its first line (a `//` comment): keep those to fragments.
 *
 * Samples that import `@tether/client` (and every .tsx one) run in a browser: they are checked
 * with the DOM's types; the rest run in a Worker: checked with the Workers types.
 */
const ROOT = resolve(".");
const DOCUMENTS = [
  "README.md",
  ...readdirSync("docs")
    .filter((name) => name.endsWith(".md"))
    .map((name) => `docs/${name}`),
];
// Inside the repository, so that a sample's own imports (zod, ai, react) resolve from node_modules.
const OUT = join(ROOT, ".build/docs-samples");

/** The packages by their public names, at their entry points in this repository. */
const PACKAGES: Record<string, string> = {
  "@tether/server": "workers/backend/index.ts",
  "@tether/server/agents": "workers/backend/agents-sdk/index.ts",
  "@tether/auth": "workers/auth/index.ts",
  "@tether/client": "client/index.ts",
  "@tether/client/react": "client/react.ts",
  "@tether/protocol": "workers/shared/protocol/index.ts",
};

/**
 * Packages a guide tells the reader to install that this repository does not depend on: declared
 * here in the shape of their published API, so a sample using them still checks everything of ours.
 */
const READER_INSTALLED = `
declare module "@ai-sdk/openai" {
  import type { LanguageModel } from "ai";
  export function createOpenAI(options?: { apiKey?: string; baseURL?: string }): (modelId: string) => LanguageModel;
}
`;

interface Sample {
  document: string;
  /** The document's line of the block's first line of code. */
  line: number;
  code: string;
  /** Where it is written, relative to the document's folder under OUT. */
  path: string;
  browser: boolean;
}

interface Skipped {
  document: string;
  line: number;
  reason: string | null;
}

function blocks(document: string): { samples: Sample[]; skipped: Skipped[]; problems: string[] } {
  const lines = readFileSync(document, "utf8").split("\n");
  const samples: Sample[] = [];
  const skipped: Skipped[] = [];
  const problems: string[] = [];
  const paths = new Set<string>();
  for (let index = 0; index < lines.length; index += 1) {
    const fence = /^```(ts|typescript|tsx)\b(.*)$/.exec(lines[index] ?? "");
    if (!fence) {
      // Any other fenced block (sh, toml, json…) is skipped whole, so its contents never look like a fence.
      if (/^```\S/.test(lines[index] ?? "")) while (index + 1 < lines.length && !/^```\s*$/.test(lines[++index] ?? ""));
      continue;
    }
    const start = index + 1;
    let end = start;
    while (end < lines.length && !/^```\s*$/.test(lines[end] ?? "")) end += 1;
    const code = lines.slice(start, end);
    index = end;
    const line = start + 1;
    if (/\bnocheck\b/.test(fence[2] ?? "")) {
      const reason = /^\s*\/\/\s*(\S.*)$/.exec(code[0] ?? "")?.[1] ?? null;
      skipped.push({ document, line, reason });
      continue;
    }
    const tsx = fence[1] === "tsx";
    const marker = /^\/\/ file: (\S+\.tsx?)\s*$/.exec(code[0] ?? "")?.[1];
    const path = marker ?? `block-${line}.${tsx ? "tsx" : "ts"}`;
    if (paths.has(path)) problems.push(`${document}:${line}: a second block for ${path}`);
    paths.add(path);
    const text = code.join("\n");
    samples.push({ document, line, code: text, path, browser: tsx || /from "@tether\/client/.test(text) });
  }
  return { samples, skipped, problems };
}

const found = DOCUMENTS.map(blocks);
const samples = found.flatMap((result) => result.samples);
const skipped = found.flatMap((result) => result.skipped);

function outputPath(sample: Sample): string {
  return join(OUT, sample.document.replace(/\.md$/, "").replace(/\//g, "_"), sample.path);
}

function compilerOptions(browser: boolean): ts.CompilerOptions {
  return {
    // As tsconfig.base.json.
    target: ts.ScriptTarget.ES2024,
    module: ts.ModuleKind.ES2022,
    moduleResolution: ts.ModuleResolutionKind.Bundler,
    strict: true,
    noUncheckedIndexedAccess: true,
    noImplicitOverride: true,
    noFallthroughCasesInSwitch: true,
    noUnusedLocals: true,
    noUnusedParameters: true,
    isolatedModules: true,
    verbatimModuleSyntax: true,
    skipLibCheck: true,
    noEmit: true,
    allowImportingTsExtensions: true,
    resolveJsonModule: true,
    customConditions: ["tether-source"],
    // Where each sample runs.
    lib: browser ? ["lib.es2024.d.ts", "lib.dom.d.ts", "lib.dom.iterable.d.ts"] : ["lib.es2024.d.ts"],
    types: [],
    jsx: ts.JsxEmit.ReactJSX,
    paths: Object.fromEntries(Object.entries(PACKAGES).map(([name, entry]) => [name, [join(ROOT, entry)]])),
  };
}

/** Type-checks the samples of one runtime; each diagnostic as `document:line: message`. */
function check(group: Sample[], browser: boolean): string[] {
  if (group.length === 0) return [];
  const byFile = new Map(group.map((sample) => [outputPath(sample), sample]));
  // The Workers' generated types are ambient: the runtime's (worker-runtime.d.ts) and each Worker's bindings (worker-configuration.d.ts), which the packages read.
  const ambient = browser
    ? []
    : [
        join(ROOT, "workers/worker-runtime.d.ts"),
        join(ROOT, "workers/backend/worker-configuration.d.ts"),
        join(ROOT, "workers/auth/worker-configuration.d.ts"),
        join(OUT, "reader-installed.d.ts"),
      ];
  const program = ts.createProgram([...byFile.keys(), ...ambient], compilerOptions(browser));
  const diagnostics = [...program.getOptionsDiagnostics(), ...program.getGlobalDiagnostics()];
  for (const file of byFile.keys()) {
    const source = program.getSourceFile(file);
    if (source) diagnostics.push(...program.getSyntacticDiagnostics(source), ...program.getSemanticDiagnostics(source));
  }
  return diagnostics.map((diagnostic) => {
    const message = ts.flattenDiagnosticMessageText(diagnostic.messageText, "\n");
    const sample = diagnostic.file ? byFile.get(diagnostic.file.fileName) : undefined;
    if (!diagnostic.file || diagnostic.start === undefined) return `(compiler) TS${diagnostic.code}: ${message}`;
    const { line } = diagnostic.file.getLineAndCharacterOfPosition(diagnostic.start);
    const where = sample ? `${sample.document}:${sample.line + line}` : `${relative(ROOT, diagnostic.file.fileName)}:${line + 1}`;
    return `${where}: TS${diagnostic.code}: ${message}`;
  });
}

describe("code samples in the README and docs/", () => {
  it("are found", () => {
    expect(samples.length).toBeGreaterThan(10);
    expect(found.flatMap((result) => result.problems)).toEqual([]);
  });

  it("say why when they are not checked", () => {
    expect(skipped.filter((block) => block.reason === null).map((block) => `${block.document}:${block.line}`)).toEqual([]);
  });

  it("compile against the packages", { timeout: 120_000 }, () => {
    rmSync(OUT, { recursive: true, force: true });
    for (const sample of samples) {
      const file = outputPath(sample);
      mkdirSync(dirname(file), { recursive: true });
      // `export {}` makes a block without imports a module, so blocks never share a global scope.
      writeFileSync(file, `${sample.code}\nexport {};\n`);
    }
    mkdirSync(OUT, { recursive: true });
    writeFileSync(join(OUT, "reader-installed.d.ts"), READER_INSTALLED);
    const diagnostics = [
      ...check(
        samples.filter((sample) => !sample.browser),
        false,
      ),
      ...check(
        samples.filter((sample) => sample.browser),
        true,
      ),
    ];
    expect(diagnostics).toEqual([]);
  });
});
