/**
 * @module
 * The one error a Tether app's own options can raise: thrown at start-up by `tether()` and
 * `tetherAuth()`, so a mistake in the options stops the deploy (or `wrangler dev`) with a message
 * that names the option, instead of failing the first request.
 */
export class TetherConfigError extends Error {
  override readonly name = "TetherConfigError";
  /** The option at fault, as written in the options object: `defaultAgent`, `tools[1].name`, `limits.wsMaxConcurrentRuns`. */
  readonly option: string;

  constructor(option: string, problem: string) {
    super(`option ${option}: ${problem}`);
    this.option = option;
  }
}
