import { describe, expect, it } from "vitest";
import { findExpression } from "../../durable-objects/agents/demo.js";
import { calculator, evaluateExpression } from "../../durable-objects/agents/tools/calculator.js";
import { countWords, wordCount } from "../../durable-objects/agents/tools/word-count.js";

describe("calculator", () => {
  it.each([
    ["12 * (3 + 4)", 84],
    ["2+2", 4],
    ["2 ^ 3 ^ 2", 512],
    ["-3 + 10 / 4", -0.5],
    ["1.5 * 2", 3],
  ])("evaluates %s to %d", (expression, value) => {
    expect(evaluateExpression(expression)).toBe(value);
  });

  it.each(["1 / 0", "2 +", "(1 + 2", "1 + x", "9".repeat(201)])("refuses %s", (expression) => {
    expect(() => evaluateExpression(expression)).toThrow();
  });

  it("never evaluates code", () => {
    expect(() => calculator.run({ expression: "globalThis.constructor" }, { signal: new AbortController().signal })).toThrow();
  });
});

describe("word_count", () => {
  it("counts words and characters, unicode included", () => {
    expect(countWords("  héllo  wörld 👋 ")).toEqual({ words: 3, characters: 17 });
    expect(() => wordCount.run({ text: 42 }, { signal: new AbortController().signal })).toThrow();
  });
});

describe("the demo agent's parsing", () => {
  it("finds the arithmetic in a question", () => {
    expect(findExpression("what is 12 * (3 + 4)?")).toBe("12 * (3 + 4)");
    expect(findExpression("what is 2+2")).toBe("2+2");
    expect(findExpression("I have 3 cats")).toBeNull();
  });
});
