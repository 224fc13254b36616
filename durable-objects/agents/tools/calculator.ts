import * as z from "zod";
import { defineTool } from "../agent.js";

/**
 * Evaluates + - * / ^ and parentheses over decimal numbers with a small recursive-descent parser.
 * Never `eval`: the expression comes from a user.
 */
export const MAX_EXPRESSION_CHARS = 200;

class Parser {
  private position = 0;
  constructor(private readonly text: string) {}

  parse(): number {
    const value = this.sum();
    this.skipSpaces();
    if (this.position < this.text.length) throw new Error(`unexpected "${this.text[this.position]}"`);
    return value;
  }

  private skipSpaces() {
    while (this.text[this.position] === " ") this.position += 1;
  }

  private peek(): string | undefined {
    this.skipSpaces();
    return this.text[this.position];
  }

  private sum(): number {
    let value = this.product();
    for (let op = this.peek(); op === "+" || op === "-"; op = this.peek()) {
      this.position += 1;
      value = op === "+" ? value + this.product() : value - this.product();
    }
    return value;
  }

  private product(): number {
    let value = this.power();
    for (let op = this.peek(); op === "*" || op === "/"; op = this.peek()) {
      this.position += 1;
      const right = this.power();
      if (op === "/" && right === 0) throw new Error("division by zero");
      value = op === "*" ? value * right : value / right;
    }
    return value;
  }

  private power(): number {
    const base = this.unary();
    if (this.peek() !== "^") return base;
    this.position += 1;
    return base ** this.power();
  }

  private unary(): number {
    if (this.peek() === "-") {
      this.position += 1;
      return -this.unary();
    }
    return this.atom();
  }

  private atom(): number {
    if (this.peek() === "(") {
      this.position += 1;
      const value = this.sum();
      if (this.peek() !== ")") throw new Error("missing )");
      this.position += 1;
      return value;
    }
    const match = /^\d+(\.\d+)?/.exec(this.text.slice(this.position));
    if (!match) throw new Error("expected a number");
    this.position += match[0].length;
    return Number(match[0]);
  }
}

export function evaluateExpression(expression: string): number {
  if (expression.length > MAX_EXPRESSION_CHARS) throw new Error("expression too long");
  const value = new Parser(expression.trim()).parse();
  if (!Number.isFinite(value)) throw new Error("result is not a finite number");
  return value;
}

export const calculator = defineTool({
  name: "calculator",
  description: "Evaluates an arithmetic expression: numbers, + - * / ^ and parentheses.",
  inputSchema: z.strictObject({ expression: z.string().min(1).max(MAX_EXPRESSION_CHARS).describe("For example 12 * (3 + 4)") }),
  run: ({ expression }) => ({ expression, value: evaluateExpression(expression) }),
});
