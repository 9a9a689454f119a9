/**
 * Polish has four plural forms; vue-i18n passes (choice, count of forms). Messages give them as
 * "zero | one | few (2–4, not 12–14) | many".
 */
export function polishPlural(choice: number, choicesLength: number): number {
  if (choicesLength < 4) return Math.min(choice, choicesLength - 1);
  if (choice === 0) return 0;
  if (choice === 1) return 1;
  const tens = choice % 100;
  const units = choice % 10;
  if (units >= 2 && units <= 4 && !(tens >= 12 && tens <= 14)) return 2;
  return 3;
}
