/**
 * Whether a key press belongs to what the user is typing into (a field, a select, an editor), so
 * single-key shortcuts like `/` must leave it alone.
 */
export function isTypingTarget(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  if (target instanceof HTMLInputElement) {
    // Buttons, checkboxes and the like take no text.
    return !['button', 'checkbox', 'radio', 'submit', 'reset', 'range', 'color', 'file', 'image'].includes(
      target.type,
    );
  }
  return target.closest('[contenteditable=""], [contenteditable="true"], .cm-editor') !== null;
}
