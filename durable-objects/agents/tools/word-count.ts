import type { Tool } from "../agent.js";

export function countWords(text: string): { words: number; characters: number } {
  const words = text
    .trim()
    .split(/\s+/u)
    .filter((word) => word.length > 0).length;
  return { words, characters: [...text].length };
}

export const wordCount: Tool = {
  name: "word_count",
  description: "Counts the words and characters of a text.",
  run(input) {
    const text = (input as { text?: unknown } | null)?.text;
    if (typeof text !== "string") throw new Error("input.text must be a string");
    return countWords(text);
  },
};
