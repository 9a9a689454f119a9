// The subpath, not the package root: the root would bring every API schema (and zod) into the app.
import { checkName, type NameProblem } from '@idrive/shared/names';

export type { NameProblem };

/**
 * Why the server would refuse this name (checkName in @idrive/shared, the rule itself), as a key of
 * `browser.nameProblems` so the message can be shown in the user's language before sending.
 */
export function nameProblem(raw: string): NameProblem | null {
  const check = checkName(raw);
  return check.ok ? null : check.problem;
}
