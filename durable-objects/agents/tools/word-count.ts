import * as z from "zod";
import { MAX_MESSAGE_CONTENT_CHARS } from "@tether/protocol";
import { defineTool } from "../agent.js";

export function countWords(text: string): { words: number; characters: number } {
  const words = text
    .trim()
    .split(/\s+/u)
    .filter((word) => word.length > 0).length;
  return { words, characters: [...text].length };
}

export const wordCount = defineTool({
  name: "word_count",
  description: "Counts the words and characters of a text.",
  inputSchema: z.strictObject({ text: z.string().max(MAX_MESSAGE_CONTENT_CHARS) }),
  run: ({ text }) => countWords(text),
});
