import type { Tool } from "../agent.js";
import { calculator } from "./calculator.js";
import { wordCount } from "./word-count.js";

/** Tether's own tools: what `tools` is when an app gives none, and what the demo agent calls. */
export const builtInTools: readonly Tool[] = [calculator, wordCount];
