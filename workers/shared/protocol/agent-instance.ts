/**
 * @module
 * The names of per-user Agents SDK instances behind Tether's guard (docs/agents-sdk.md): the
 * user's id, or the user's id, `~` and a suffix for one of several agents of the same user. One
 * rule for the client that builds the name and the guard that checks it.
 */

/** Between the user id and the suffix: an unreserved URL character, so no client ever escapes it. */
export const AGENT_INSTANCE_SEPARATOR = "~";
export const MAX_AGENT_INSTANCE_SUFFIX_CHARS = 64;

// C0 controls, DEL and the C1 controls: never part of a name a person chose.
const CONTROL_CHARACTER = /[\u0000-\u001f\u007f-\u009f]/;

/** Why `suffix` cannot name an instance, or null when it can. */
export function agentInstanceSuffixProblem(suffix: string): string | null {
  if (suffix.length === 0 || suffix.length > MAX_AGENT_INSTANCE_SUFFIX_CHARS)
    return `The suffix must be 1 to ${MAX_AGENT_INSTANCE_SUFFIX_CHARS} characters.`;
  if (suffix.includes("/")) return "The suffix must not contain `/`.";
  if (suffix.includes("..")) return "The suffix must not contain `..`.";
  if (CONTROL_CHARACTER.test(suffix)) return "The suffix must not contain control characters.";
  return null;
}

/**
 * The instance name of `userId`'s agent: `userId`, or `userId~suffix`. Throws a RangeError for a
 * suffix the guard would refuse (400), so a client finds out before it connects.
 */
export function agentInstanceName(userId: string, suffix?: string): string {
  if (suffix === undefined) return userId;
  const problem = agentInstanceSuffixProblem(suffix);
  if (problem !== null) throw new RangeError(problem);
  return `${userId}${AGENT_INSTANCE_SEPARATOR}${suffix}`;
}
