/**
 * Drawing helpers shared by the overlay renderers: the font (registered once from a system font
 * file, falling back to the default family), colours, panels, and text that fits its box.
 */
import { existsSync } from 'node:fs';
import { GlobalFonts, type SKRSContext2D } from '@napi-rs/canvas';

export type Ctx = SKRSContext2D;

/** Regular + bold pairs, tried in order; the first pair found is registered as "Cutline Sans". */
const FONT_PAIRS: [string, string][] = [
  ['/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf', '/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/TTF/DejaVuSans.ttf', '/usr/share/fonts/TTF/DejaVuSans-Bold.ttf'],
  ['/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf', '/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf'],
  ['/System/Library/Fonts/Supplemental/Arial.ttf', '/System/Library/Fonts/Supplemental/Arial Bold.ttf'],
  ['C:\\Windows\\Fonts\\arial.ttf', 'C:\\Windows\\Fonts\\arialbd.ttf'],
];
const FALLBACK = '"DejaVu Sans", "Liberation Sans", Arial, Helvetica, sans-serif';
let family: string | undefined;

/** The CSS font family list to draw with; registers our font on first use. */
export function fontFamily(): string {
  if (family === undefined) {
    family = FALLBACK;
    for (const [regular, bold] of FONT_PAIRS) {
      if (!existsSync(regular)) continue;
      if (GlobalFonts.registerFromPath(regular, 'Cutline Sans')) {
        if (existsSync(bold)) GlobalFonts.registerFromPath(bold, 'Cutline Sans');
        family = `"Cutline Sans", ${FALLBACK}`;
        break;
      }
    }
  }
  return family;
}

export function font(px: number, bold = false): string {
  return `${bold ? 'bold ' : ''}${Math.max(1, Math.round(px))}px ${fontFamily()}`;
}

/** #rgb, #rrggbb or #rrggbbaa → a canvas colour, optionally with extra alpha multiplied in. */
export function css(hex: string, alpha = 1): string {
  let h = hex.slice(1);
  if (h.length === 3) h = [...h].map((c) => c + c).join('');
  const r = Number.parseInt(h.slice(0, 2), 16);
  const g = Number.parseInt(h.slice(2, 4), 16);
  const b = Number.parseInt(h.slice(4, 6), 16);
  const a = h.length === 8 ? Number.parseInt(h.slice(6, 8), 16) / 255 : 1;
  return `rgba(${r},${g},${b},${Math.round(a * alpha * 1000) / 1000})`;
}

export function panel(ctx: Ctx, x: number, y: number, w: number, h: number, radius: number, fill: string): void {
  ctx.fillStyle = fill;
  ctx.beginPath();
  ctx.roundRect(x, y, w, h, Math.max(0, Math.min(radius, w / 2, h / 2)));
  ctx.fill();
}

/** Cuts `text` with an ellipsis so it fits `maxWidth` in the current font. */
export function ellipsize(ctx: Ctx, text: string, maxWidth: number): string {
  if (ctx.measureText(text).width <= maxWidth) return text;
  let lo = 0;
  let hi = text.length;
  while (lo < hi) {
    const mid = (lo + hi + 1) >> 1;
    if (ctx.measureText(`${text.slice(0, mid)}…`).width <= maxWidth) lo = mid;
    else hi = mid - 1;
  }
  return lo === 0 ? '' : `${text.slice(0, lo).trimEnd()}…`;
}

/**
 * Sets a font at `px` shrunk (down to minPx) until `text` fits `maxWidth`; returns the text,
 * ellipsized if even minPx is too wide.
 */
export function fitText(ctx: Ctx, text: string, maxWidth: number, px: number, bold = false, minPx = px * 0.6): string {
  ctx.font = font(px, bold);
  const width = ctx.measureText(text).width;
  if (width > maxWidth && width > 0) {
    ctx.font = font(Math.max(minPx, (px * maxWidth) / width), bold);
  }
  return ellipsize(ctx, text, maxWidth);
}

/** Word-wraps `text` into at most maxLines lines of maxWidth (the last ellipsized). */
export function wrap(ctx: Ctx, text: string, maxWidth: number, maxLines: number): string[] {
  const words = text.split(/\s+/).filter(Boolean);
  const lines: string[] = [];
  let line = '';
  for (let i = 0; i < words.length; i++) {
    const next = line ? `${line} ${words[i]}` : words[i];
    if (ctx.measureText(next).width <= maxWidth || !line) {
      line = next;
      continue;
    }
    lines.push(line);
    line = words[i];
    if (lines.length === maxLines) {
      line = '';
      lines[maxLines - 1] = ellipsize(ctx, `${lines[maxLines - 1]} ${words.slice(i).join(' ')}`, maxWidth);
      break;
    }
  }
  if (line) lines.push(line);
  return lines.map((l) => ellipsize(ctx, l, maxWidth));
}

/** Formats a remaining duration as m:ss or h:mm:ss. */
export function formatRemaining(ms: number): string {
  const total = Math.max(0, Math.ceil(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = total % 60;
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${ss}` : `${m}:${ss}`;
}

export function formatMoney(amount: number, currency: string): string {
  const n = Number.isInteger(amount) ? amount.toLocaleString('en-US') : amount.toLocaleString('en-US', { minimumFractionDigits: 2, maximumFractionDigits: 2 });
  return `${currency}${n}`;
}

/** A stable colour for a track or author without one. */
const PALETTE = ['#f2b705', '#4cc9f0', '#f72585', '#80ed99', '#ff8c42', '#b5179e', '#4361ee', '#ffd166'];
export function paletteColor(key: string): string {
  let h = 0;
  for (let i = 0; i < key.length; i++) h = (h * 31 + key.charCodeAt(i)) | 0;
  return PALETTE[Math.abs(h) % PALETTE.length];
}
