/**
 * @module
 * The default agent: deterministic and offline. Arithmetic in the message goes to the calculator,
 * anything else to word_count; the answer streams as partial results and ends with a report.
 */
import type { Agent, AgentInput, AgentStep, Toolbox } from "./agent.js";

/** The longest run of arithmetic characters that holds a digit and an operator, e.g. "12 * (3 + 4)". */
export function findExpression(content: string): string | null {
  const candidates = content.match(/[\d\s+\-*/^().]+/g) ?? [];
  const expressions = candidates
    .map((candidate) => candidate.trim().replace(/[.\s]+$/, ""))
    .filter((candidate) => /\d/.test(candidate) && /\d\s*[-+*/^]\s*[\d(-]/.test(candidate));
  return expressions.sort((a, b) => b.length - a.length)[0] ?? null;
}

function formatNumber(value: number): string {
  return Number.isInteger(value) ? String(value) : String(Number(value.toPrecision(12)));
}

/** Splits the answer into word-sized chunks so clients can render it as it streams. */
function chunks(text: string): string[] {
  return text.match(/\S+\s*/g) ?? [text];
}

export const demoAgent: Agent = {
  name: "demo",
  async *run(input: AgentInput, tools: Toolbox): AsyncIterable<AgentStep> {
    yield { kind: "thinking", thought: "Reading the message.", stepNumber: 1, totalSteps: 3 };
    const expression = findExpression(input.content);
    let answer: string;
    let report: Record<string, unknown>;
    if (expression) {
      yield { kind: "thinking", thought: `The message holds arithmetic: ${expression}.`, stepNumber: 2, totalSteps: 3 };
      const outcome = await tools.call("calculator", { expression });
      if (outcome.ok) {
        const value = (outcome.output as { value: number }).value;
        answer = `${expression} = ${formatNumber(value)}`;
        report = { tool: "calculator", expression, value };
      } else {
        answer = `I could not evaluate ${expression}: ${outcome.error}.`;
        report = { tool: "calculator", expression, error: outcome.error };
      }
    } else {
      yield { kind: "thinking", thought: "No arithmetic here; counting the words.", stepNumber: 2, totalSteps: 3 };
      const outcome = await tools.call("word_count", { text: input.content });
      const counted = outcome.ok ? (outcome.output as { words: number; characters: number }) : { words: 0, characters: 0 };
      answer = `Your message has ${counted.words} words and ${counted.characters} characters.`;
      report = { tool: "word_count", ...counted };
    }
    yield { kind: "thinking", thought: "Writing the answer.", stepNumber: 3, totalSteps: 3 };
    const parts = chunks(answer);
    for (const [index, part] of parts.entries()) {
      yield { kind: "partial", content: part, isComplete: index === parts.length - 1 };
    }
    yield { kind: "report", report };
    yield { kind: "result", result: answer };
  },
};
