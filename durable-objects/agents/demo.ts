/**
 * @module
 * The default agent: deterministic and offline. Arithmetic in the message goes to the calculator,
 * anything else to word_count; the answer streams as text and ends with a report. Its first
 * thought says how much of the thread it was given, so history is visible end to end. A message
 * that asks to *send* something, when the app has the `send_summary` tool, shows tool approval:
 * the run asks the user, waits, and says in `resume` what came of it.
 */
import { readSetting, type IntegerSetting } from "../../workers/shared/config.js";
import type { Agent, AgentEvent, AgentRun, ApprovalResumption } from "./agent.js";
import { paced } from "./paced.js";

/** Milliseconds between the demo agent's steps (0: as fast as it can): the demo can look like it thinks. */
export const DEMO_AGENT_STEP_DELAY_MS = {
  name: "DEMO_AGENT_STEP_DELAY_MS",
  default: 0,
  min: 0,
  max: 10_000,
} as const satisfies IntegerSetting;

export interface DemoAgentEnv {
  DEMO_AGENT_STEP_DELAY_MS?: string;
}

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

function earlier(history: AgentRun["history"]): string {
  if (history.length === 0) return "the thread is new";
  return history.length === 1 ? "1 earlier message in the thread" : `${history.length} earlier messages in the thread`;
}

/**
 * The demo agent as an app includes it (`tether({ agents: { demo: demoAgent } })`): paced by
 * `DEMO_AGENT_STEP_DELAY_MS`. It calls the built-in tools (`builtInTools`), so keep them in `tools`.
 */
export function demoAgent(env: DemoAgentEnv): Agent<DemoAgentEnv> {
  return paced(scriptedDemo, readSetting(env, DEMO_AGENT_STEP_DELAY_MS));
}

/** A message that asks to send something, in an app whose tools can (`send_summary`). */
const asksToSend = ({ message, tools }: AgentRun) =>
  /\bsend\b/i.test(message.content) && tools.tools.some((tool) => tool.name === "send_summary");

/** What `send_summary` is asked to send: the same on the first run and in `resume`, so the answered call matches. */
const summaryCall = ({ message, user }: AgentRun) => ({ to: user.email, summary: message.content.slice(0, 280) });

/** The demo's script, unpaced. */
export const scriptedDemo: Agent = {
  name: "demo",
  async *run(run: AgentRun): AsyncGenerator<AgentEvent> {
    const { message, history, tools } = run;
    yield { type: "thinking", thought: `Reading the message (${earlier(history)}).`, step: 1, totalSteps: 3 };
    if (asksToSend(run)) {
      yield { type: "thinking", thought: "This sends something on your behalf: asking you first.", step: 2, totalSteps: 3 };
      yield* tools.call("send_summary", summaryCall(run));
      return;
    }
    const expression = findExpression(message.content);
    let answer: string;
    let report: Record<string, unknown>;
    if (expression) {
      yield { type: "thinking", thought: `The message holds arithmetic: ${expression}.`, step: 2, totalSteps: 3 };
      const outcome = yield* tools.call("calculator", { expression });
      if (outcome.ok) {
        const value = (outcome.output as { value: number }).value;
        answer = `${expression} = ${formatNumber(value)}`;
        report = { tool: "calculator", expression, value };
      } else {
        answer = `I could not evaluate ${expression}: ${outcome.error}.`;
        report = { tool: "calculator", expression, error: outcome.error };
      }
    } else {
      yield { type: "thinking", thought: "No arithmetic here; counting the words.", step: 2, totalSteps: 3 };
      const outcome = yield* tools.call("word_count", { text: message.content });
      const counted = outcome.ok ? (outcome.output as { words: number; characters: number }) : { words: 0, characters: 0 };
      answer = `Your message has ${counted.words} words and ${counted.characters} characters.`;
      report = { tool: "word_count", ...counted };
    }
    yield { type: "thinking", thought: "Writing the answer.", step: 3, totalSteps: 3 };
    for (const part of chunks(answer)) yield { type: "text", delta: part };
    yield { type: "report", report };
  },
  async *resume(run: AgentRun, approvals: ApprovalResumption): AsyncGenerator<AgentEvent> {
    const outcome = yield* run.tools.call("send_summary", summaryCall(run));
    yield { type: "thinking", thought: "Writing the answer.", step: 3, totalSteps: 3 };
    const reason = approvals.decisions[0]?.reason;
    const answer = outcome.ok ? `Sent the summary to ${run.user.email}.` : `Not sent${reason ? ` (${reason})` : ""}.`;
    for (const part of chunks(answer)) yield { type: "text", delta: part };
    yield { type: "report", report: { tool: "send_summary", sent: outcome.ok } };
  },
};
