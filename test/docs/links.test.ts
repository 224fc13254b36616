import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * The repository explains itself: every link in its documents resolves inside the repository —
 * no link to another site, none to a file a clone does not contain.
 */
const DOCUMENTS = ["README.md", "SECURITY.md", "CONTRIBUTING.md", "docs/protocol.md", "docs/architecture.md", "bench/NOTES.md"];

function links(markdown: string): string[] {
  // [text](target) and ![alt](target); code spans and blocks cannot hold links.
  const prose = markdown.replace(/```[\s\S]*?```/g, "").replace(/`[^`\n]*`/g, "");
  return [...prose.matchAll(/!?\[[^\]]*\]\(([^)\s]+)\)/g)].map((match) => match[1] ?? "");
}

describe.each(DOCUMENTS)("%s", (document) => {
  const targets = links(readFileSync(document, "utf8"));

  it("links only inside the repository", () => {
    expect(targets.filter((target) => /^[a-z][a-z0-9+.-]*:/i.test(target) || target.startsWith("//"))).toEqual([]);
  });

  it("links only to files that exist", () => {
    const missing = targets
      .map((target) => target.split("#")[0] ?? "")
      .filter((path) => path !== "" && !existsSync(join(dirname(document), path)));
    expect(missing).toEqual([]);
  });
});
