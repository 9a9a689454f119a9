import { NAME_MAX_BYTES } from '@idrive/shared/limits';

export type NameProblem = 'empty' | 'tooLong' | 'slash' | 'control' | 'dots';

// eslint-disable-next-line no-control-regex -- finding them is the point
const CONTROL_CHARS = /[\u0000-\u001f\u007f-\u009f]/;

/**
 * Why the server would refuse this name (the rules of checkName in @idrive/shared), as a key of
 * `browser.nameProblems` so the message can be shown in the user's language before sending.
 */
export function nameProblem(raw: string): NameProblem | null {
  const name = raw.normalize('NFC');
  if (name.trim().length === 0) return 'empty';
  if (new TextEncoder().encode(name).length > NAME_MAX_BYTES) return 'tooLong';
  if (name.includes('/')) return 'slash';
  if (CONTROL_CHARS.test(name)) return 'control';
  if (name === '.' || name === '..') return 'dots';
  return null;
}
