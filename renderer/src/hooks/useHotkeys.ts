/**
 * The desk's keyboard: 1–9 put source N alone on preview, Shift+1–9 put it in the program
 * layout's main place at once (the wall highlight), Space / Enter take (fade), a letter
 * given to an overlay (Graphics panel) shows or hides it. Keys typed
 * into fields, dialogs, or a control focused from the keyboard keep their normal meaning.
 */
import { useEffect } from 'react';
import { highlightOnProgramByIndex, soloOnPreview, take } from '../store/actions.ts';
import { overlayHotkey } from '../store/graphics.ts';
import { useCutline } from '../store/store.ts';

const TEXT_INPUTS = new Set(['text', 'number', 'password', 'search', 'url', 'email', 'tel']);

export function isTyping(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  if (target.isContentEditable) return true;
  if (target instanceof HTMLTextAreaElement || target instanceof HTMLSelectElement) return true;
  return target instanceof HTMLInputElement && TEXT_INPUTS.has(target.type);
}

function focusedFromKeyboard(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement) || target === document.body) return false;
  try {
    return target.matches(':focus-visible');
  } catch {
    return true;
  }
}

export function handleHotkey(e: KeyboardEvent): boolean {
  if (e.defaultPrevented || e.altKey || e.ctrlKey || e.metaKey || e.repeat) return false;
  if (isTyping(e.target)) return false;
  if (useCutline.getState().confirm || (e.target instanceof Element && e.target.closest('[role="dialog"],[role="alertdialog"]'))) return false;
  // e.code, not e.key: Shift+1 is "!" (or another sign) depending on the keyboard layout.
  if (e.shiftKey && /^Digit[1-9]$/.test(e.code)) {
    void highlightOnProgramByIndex(Number(e.code.slice(5)) - 1);
    return true;
  }
  if (/^[1-9]$/.test(e.key)) {
    void soloOnPreview(Number(e.key) - 1);
    return true;
  }
  if (/^[a-z]$/i.test(e.key) && !e.shiftKey && overlayHotkey(e.key)) return true;
  if ((e.key === ' ' || e.key === 'Enter') && !focusedFromKeyboard(e.target)) {
    void take('fade');
    return true;
  }
  return false;
}

export function useHotkeys(): void {
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      if (handleHotkey(e)) e.preventDefault();
    };
    // A mouse click must not leave focus on a button, or Space would press it again.
    const onClick = (e: MouseEvent) => {
      const el = e.target instanceof Element ? e.target.closest('button, input[type="range"], input[type="checkbox"]') : null;
      if (e.detail > 0 && el instanceof HTMLElement && !el.closest('[role="dialog"],[role="alertdialog"]')) el.blur();
    };
    window.addEventListener('keydown', onKey);
    window.addEventListener('click', onClick);
    return () => {
      window.removeEventListener('keydown', onKey);
      window.removeEventListener('click', onClick);
    };
  }, []);
}
