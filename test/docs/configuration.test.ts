import { readFileSync } from "node:fs";
import { resolve } from "node:path";
import { describe, expect, it } from "vitest";

/**
 * docs/configuration.md cannot drift from the code: every numeric setting the Workers declare
 * (AUTH_SETTINGS, BACKEND_SETTINGS: var, default, bounds) has a row in its table with that var,
 * that default, min and max, and the option key an app sets it with.
 */
interface IntegerSetting {
  name: string;
  default: number;
  min: number;
  max: number;
}

// Loaded at run time: the settings modules are Worker code, whose types this Node project does not carry.
async function settings(path: string, exported: string): Promise<Record<string, IntegerSetting>> {
  const module = (await import(/* @vite-ignore */ resolve(path))) as Record<string, Record<string, IntegerSetting> | undefined>;
  const table = module[exported];
  if (!table) throw new Error(`${path} exports no ${exported}`);
  return table;
}

const TABLES = [
  { path: "workers/auth/config.ts", exported: "AUTH_SETTINGS", option: "settings" },
  { path: "workers/shared/backend-config.ts", exported: "BACKEND_SETTINGS", option: "limits" },
];

const markdown = readFileSync("docs/configuration.md", "utf8");
const cells = (row: string) =>
  row
    .trim()
    .replace(/^\||\|$/g, "")
    .split("|")
    .map((cell) => cell.trim());
const rows = markdown.split("\n").filter((line) => line.trimStart().startsWith("|"));
const header = cells(rows[0] ?? "").map((cell) => cell.toLowerCase());
const column = (name: string) => header.indexOf(name);

/** The first number in a cell: `2592000` (30 days) → 2592000; digits may be grouped with commas. */
function numberIn(cell: string | undefined): number | null {
  const match = /-?\d[\d,]*/.exec((cell ?? "").replace(/`/g, ""));
  return match ? Number(match[0].replace(/,/g, "")) : null;
}

describe("docs/configuration.md", () => {
  it("has one table with the columns the settings need", () => {
    expect(header).toEqual(expect.arrayContaining(["variable", "option", "default", "min", "max"]));
  });

  describe.each(TABLES)("$exported", ({ path, exported, option }) => {
    it("has a row for every setting with its default, bounds and option key", async () => {
      const table = await settings(path, exported);
      expect(Object.keys(table).length).toBeGreaterThan(0);
      const wrong: string[] = [];
      for (const [key, setting] of Object.entries(table)) {
        const row = rows.map(cells).find((row) => (row[column("variable")] ?? "").includes(`\`${setting.name}\``));
        if (!row) {
          wrong.push(`${setting.name}: no row`);
          continue;
        }
        const found = { default: numberIn(row[column("default")]), min: numberIn(row[column("min")]), max: numberIn(row[column("max")]) };
        const expected = { default: setting.default, min: setting.min, max: setting.max };
        if (JSON.stringify(found) !== JSON.stringify(expected))
          wrong.push(`${setting.name}: the row says ${JSON.stringify(found)}, ${path} ${JSON.stringify(expected)}`);
        if (!(row[column("option")] ?? "").includes(`\`${option}.${key}\``))
          wrong.push(`${setting.name}: the option column lacks \`${option}.${key}\``);
      }
      expect(wrong).toEqual([]);
    });
  });
});
