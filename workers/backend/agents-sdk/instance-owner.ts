/**
 * @module
 * Whose Agent instance a route names. The guard admits a request only to the caller's own: the
 * instance named by their user id, or by their user id, `~` and a valid suffix
 * (`@tether/protocol`'s `agentInstanceName`).
 */
import { AGENT_INSTANCE_SEPARATOR, agentInstanceSuffixProblem } from "@tether/protocol";

export type InstanceOwnership = { kind: "own" } | { kind: "other" } | { kind: "malformed"; message: string };

/**
 * `segment` is the name as routeAgentRequest gives it: the URL's path segment, still escaped. It
 * is unescaped before the checks, so `%2F` is a `/` and `%00` a control character; two spellings
 * of one name are two instances, both the same user's.
 */
export function instanceOwnership(segment: string, userId: string): InstanceOwnership {
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    return { kind: "malformed", message: "The instance name is not a valid URL path segment." };
  }
  if (name === userId) return { kind: "own" };
  const prefix = `${userId}${AGENT_INSTANCE_SEPARATOR}`;
  if (!name.startsWith(prefix)) return { kind: "other" };
  const problem = agentInstanceSuffixProblem(name.slice(prefix.length));
  return problem === null ? { kind: "own" } : { kind: "malformed", message: problem };
}
