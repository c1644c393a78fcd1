/**
 * One renderer per overlay kind: draws the overlay into a transparent canvas of its box's size.
 * Renderers run only when the picture would change (GraphicsLayer compares cache keys: spec, size,
 * object version, plus `dynamicKey` for what depends on the clock), never once per frame.
 * Sizes are fractions of the box, so an overlay looks the same at 720p and 1080p.
 */
import type { Image } from '@napi-rs/canvas';
import type {
  AuctionState,
  BetsState,
  ChalkboardState,
  ChalkStroke,
  ChatState,
  GpsState,
  KvState,
  ObjectSnapshot,
  OverlayKind,
  OverlaySpec,
  PollState,
} from '../../../shared/objects.ts';
import { type Ctx, css, ellipsize, fitText, font, formatMoney, formatRemaining, panel, paletteColor, wrap } from './draw.ts';

export interface RenderInput<S extends OverlaySpec = OverlaySpec> {
  spec: S;
  /** Bitmap size in pixels (even). */
  width: number;
  height: number;
  /** The bound object, already checked to be of the type the kind shows. */
  object?: ObjectSnapshot;
  /** Engine wall clock, ms since epoch. */
  wallNow: number;
  /** Wall clock when the overlay was added or last updated (countdown durationMs starts there). */
  since: number;
  image?: Image;
}

/** Rows [y0, y1) that changed, or 'full' to redraw everything. */
export type Damage = { y0: number; y1: number } | 'full';

export interface Renderer<S extends OverlaySpec = OverlaySpec> {
  /** What, besides spec, size and object version, changes the picture (the shown time). */
  dynamicKey?(input: RenderInput<S>): string;
  draw(ctx: Ctx, input: RenderInput<S>): void;
  /** Draw only what changed since `previous` onto the existing picture, when that is cheaper. */
  update?(ctx: Ctx, input: RenderInput<S>, previous: RenderInput<S>): Damage;
}

type Spec<K extends OverlayKind> = Extract<OverlaySpec, { kind: K }>;
const pad = (w: number, h: number) => Math.round(Math.min(w, h) * 0.06);

// ---- static graphics --------------------------------------------------------------------------

const image: Renderer<Spec<'image'>> = {
  draw(ctx, { spec, width: w, height: h, image: img }) {
    if (!img) return;
    const iw = img.width;
    const ih = img.height;
    if (iw === 0 || ih === 0) return;
    if (spec.fit === 'stretch') return ctx.drawImage(img, 0, 0, w, h);
    const scale = spec.fit === 'contain' ? Math.min(w / iw, h / ih) : Math.max(w / iw, h / ih);
    const dw = iw * scale;
    const dh = ih * scale;
    ctx.drawImage(img, (w - dw) / 2, (h - dh) / 2, dw, dh);
  },
};

const text: Renderer<Spec<'text'>> = {
  draw(ctx, { spec, width: w, height: h }) {
    const p = spec.background ? pad(w, h) * 2 : 2;
    if (spec.background) panel(ctx, 0, 0, w, h, h * 0.18, css(spec.background));
    const shown = fitText(ctx, spec.text, w - 2 * p, h * 0.62, spec.bold, h * 0.3);
    ctx.textAlign = spec.align;
    ctx.textBaseline = 'middle';
    if (!spec.background) {
      ctx.shadowColor = 'rgba(0,0,0,0.75)';
      ctx.shadowBlur = h * 0.08;
    }
    ctx.fillStyle = css(spec.color);
    const x = spec.align === 'left' ? p : spec.align === 'right' ? w - p : w / 2;
    ctx.fillText(shown, x, h / 2);
  },
};

const lowerThird: Renderer<Spec<'lowerThird'>> = {
  draw(ctx, { spec, width: w, height: h }) {
    const bar = Math.max(4, Math.round(h * 0.07));
    panel(ctx, 0, 0, w, h, h * 0.1, css(spec.background));
    ctx.fillStyle = css(spec.accent);
    ctx.fillRect(0, h * 0.12, bar, h * 0.76);
    const x = bar + h * 0.22;
    const maxW = w - x - h * 0.2;
    ctx.textBaseline = 'alphabetic';
    ctx.fillStyle = css(spec.color);
    if (spec.title) {
      ctx.fillText(fitText(ctx, spec.name, maxW, h * 0.38, true), x, h * 0.5);
      ctx.fillStyle = css(spec.color, 0.82);
      ctx.fillText(fitText(ctx, spec.title, maxW, h * 0.24, false), x, h * 0.82);
    } else {
      ctx.fillText(fitText(ctx, spec.name, maxW, h * 0.45, true), x, h * 0.66);
    }
  },
};

function timeBox(ctx: Ctx, w: number, h: number, spec: { background: string; color: string }, label: string, value: string) {
  panel(ctx, 0, 0, w, h, h * 0.18, css(spec.background));
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'center';
  ctx.fillStyle = css(spec.color);
  ctx.fillText(fitText(ctx, label ? `${label} ${value}` : value, w - h * 0.4, h * 0.58, true), w / 2, h / 2);
}

const clockFormats = new Map<string, Intl.DateTimeFormat>();
function clockText(spec: Spec<'clock'>, now: number): string {
  const key = `${spec.format}|${spec.seconds}|${spec.timeZone ?? ''}`;
  let fmt = clockFormats.get(key);
  if (!fmt) {
    fmt = new Intl.DateTimeFormat('en-GB', {
      hour: '2-digit',
      minute: '2-digit',
      second: spec.seconds ? '2-digit' : undefined,
      hour12: spec.format === '12h',
      timeZone: spec.timeZone,
    });
    clockFormats.set(key, fmt);
  }
  return fmt.format(now);
}
const clock: Renderer<Spec<'clock'>> = {
  dynamicKey: ({ spec, wallNow }) => clockText(spec, wallNow),
  draw: (ctx, { spec, width: w, height: h, wallNow }) => timeBox(ctx, w, h, spec, '', clockText(spec, wallNow)),
};

function countdownText(spec: Spec<'countdown'>, now: number, since: number): string {
  const target = spec.until !== undefined ? (typeof spec.until === 'number' ? spec.until : Date.parse(spec.until)) : since + (spec.durationMs ?? 0);
  const left = target - now;
  return left <= 0 ? spec.endText : formatRemaining(left);
}
const countdown: Renderer<Spec<'countdown'>> = {
  dynamicKey: ({ spec, wallNow, since }) => countdownText(spec, wallNow, since),
  draw: (ctx, { spec, width: w, height: h, wallNow, since }) => timeBox(ctx, w, h, spec, spec.label, countdownText(spec, wallNow, since)),
};

/** The ticker's band (label and background); its scrolling text is `tickerStrip`, blended per frame. */
const ticker: Renderer<Spec<'ticker'>> = {
  draw(ctx, { spec, width: w, height: h }) {
    ctx.fillStyle = css(spec.background);
    ctx.fillRect(0, 0, w, h);
    const labelW = tickerLabelWidth(ctx, spec, h);
    if (labelW > 0) {
      ctx.fillStyle = css(spec.accent);
      ctx.fillRect(0, 0, labelW, h);
      ctx.fillStyle = '#000000';
      ctx.textBaseline = 'middle';
      ctx.textAlign = 'center';
      ctx.font = font(h * 0.5, true);
      ctx.fillText(spec.label, labelW / 2, h / 2);
    }
  },
};
export function tickerLabelWidth(ctx: Ctx, spec: Spec<'ticker'>, h: number): number {
  if (!spec.label) return 0;
  ctx.font = font(h * 0.5, true);
  // Even, so the strip's clip edge lines up with chroma samples.
  return Math.ceil((ctx.measureText(spec.label).width + h * 0.8) / 2) * 2;
}
const TICKER_SEPARATOR = '   •   ';
/** Width of one repetition of the ticker text at height h. */
export function tickerUnitWidth(ctx: Ctx, spec: Spec<'ticker'>, h: number): number {
  ctx.font = font(h * 0.55, false);
  return Math.ceil(ctx.measureText(spec.items.join(TICKER_SEPARATOR) + TICKER_SEPARATOR).width / 2) * 2;
}
/** Draws `repeats` copies of the ticker text side by side, each `unit` wide. */
export function drawTickerStrip(ctx: Ctx, spec: Spec<'ticker'>, h: number, unit: number, repeats: number): void {
  ctx.font = font(h * 0.55, false);
  ctx.textBaseline = 'middle';
  ctx.textAlign = 'left';
  ctx.fillStyle = css(spec.color);
  const line = spec.items.join(TICKER_SEPARATOR) + TICKER_SEPARATOR;
  for (let i = 0; i < repeats; i++) ctx.fillText(line, i * unit, h / 2);
}

// ---- data overlays ----------------------------------------------------------------------------

function header(ctx: Ctx, title: string, accent: string, x: number, y: number, maxW: number, px: number): number {
  ctx.textBaseline = 'alphabetic';
  ctx.textAlign = 'left';
  ctx.fillStyle = css(accent);
  ctx.font = font(px, true);
  ctx.fillText(ellipsize(ctx, title.toUpperCase(), maxW), x, y + px);
  return y + px * 1.6;
}

const chat: Renderer<Spec<'chat'>> = {
  draw(ctx, { spec, width: w, height: h, object }) {
    const state = object?.state as ChatState | undefined;
    const messages = state?.messages.slice(-spec.maxMessages) ?? [];
    if (messages.length === 0 && !spec.title) return;
    const p = pad(w, h);
    panel(ctx, 0, 0, w, h, p * 0.8, css(spec.background));
    const top = spec.title ? header(ctx, spec.title, spec.accent, p, p, w - 2 * p, h * 0.045) : p;
    const px = Math.max(10, Math.min(h * 0.05, w * 0.06));
    const lh = px * 1.3;
    const maxW = w - 2 * p;
    let bottom = h - p;
    ctx.textBaseline = 'alphabetic';
    ctx.textAlign = 'left';
    for (let i = messages.length - 1; i >= 0; i--) {
      const m = messages[i];
      ctx.font = font(px, false);
      const lines = wrap(ctx, m.text, maxW, 3);
      const blockH = lh * (lines.length + 1) + px * 0.4;
      if (bottom - blockH < top) break;
      let y = bottom - blockH + px;
      ctx.font = font(px * 0.85, true);
      ctx.fillStyle = css(paletteColor(m.author));
      ctx.fillText(ellipsize(ctx, m.author, maxW), p, y);
      ctx.font = font(px, false);
      ctx.fillStyle = css(spec.color);
      for (const line of lines) {
        y += lh;
        ctx.fillText(line, p, y);
      }
      bottom -= blockH;
    }
  },
};

/** Where the poll draws each option's bar: exported for tests that read pixels. */
export function pollLayout(w: number, h: number, state: PollState, hasTitle = true) {
  const p = pad(w, h);
  const titlePx = h * 0.055;
  const questionPx = h * 0.075;
  const footerPx = h * 0.05;
  const questionTop = p + (hasTitle ? titlePx * 1.6 : 0);
  const questionLines = 2;
  const optionsTop = questionTop + questionPx * 1.3 * questionLines + p * 0.4;
  const optionsBottom = h - p - footerPx * 1.6;
  const n = Math.max(1, state.options.length);
  const rowH = Math.min(h * 0.16, (optionsBottom - optionsTop) / n);
  const labelPx = rowH * 0.36;
  const rows = state.options.map((_, i) => {
    const y = optionsTop + i * rowH;
    return { labelBaseline: y + labelPx * 1.05, barY: y + labelPx * 1.35, barH: rowH * 0.22 };
  });
  return { pad: p, titlePx, questionPx, questionTop, footerPx, labelPx, rows, barX: p, barW: w - 2 * p };
}

const poll: Renderer<Spec<'poll'>> = {
  draw(ctx, { spec, width: w, height: h, object }) {
    const state = object?.state as PollState | undefined;
    if (!state || state.status === 'idle') return;
    const L = pollLayout(w, h, state, true);
    panel(ctx, 0, 0, w, h, L.pad * 0.8, css(spec.background));
    header(ctx, spec.title ?? (state.correct !== undefined || !state.showResults ? 'Trivia' : 'Poll'), spec.accent, L.pad, L.pad, L.barW, L.titlePx);
    ctx.font = font(L.questionPx, true);
    ctx.fillStyle = css(spec.color);
    wrap(ctx, state.question, L.barW, 2).forEach((line, i) => {
      ctx.fillText(line, L.pad, L.questionTop + L.questionPx * (1 + 1.3 * i));
    });
    const showing = state.showResults || state.revealed;
    state.options.forEach((option, i) => {
      const row = L.rows[i];
      const correct = state.revealed && state.correct === i;
      ctx.font = font(L.labelPx, true);
      ctx.textAlign = 'right';
      ctx.fillStyle = css(correct ? spec.accent : spec.color);
      const pct = showing ? `${option.percent}%` : '';
      if (pct) ctx.fillText(pct, L.pad + L.barW, row.labelBaseline);
      const pctW = pct ? ctx.measureText('100%').width + L.labelPx * 0.6 : 0;
      ctx.textAlign = 'left';
      ctx.fillText(ellipsize(ctx, `${correct ? '✓ ' : ''}${option.text}`, L.barW - pctW), L.pad, row.labelBaseline);
      panel(ctx, L.barX, row.barY, L.barW, row.barH, row.barH / 2, css(spec.color, 0.16));
      const fillW = showing ? (L.barW * option.percent) / 100 : 0;
      if (fillW > 0) panel(ctx, L.barX, row.barY, fillW, row.barH, Math.min(row.barH / 2, fillW / 2), css(spec.accent));
    });
    ctx.textAlign = 'left';
    ctx.font = font(L.footerPx, false);
    ctx.fillStyle = css(spec.color, 0.7);
    const status = state.status === 'open' ? 'Voting open' : 'Voting closed';
    ctx.fillText(`${state.total} vote${state.total === 1 ? '' : 's'} · ${status}`, L.pad, h - L.pad);
  },
};

const bets: Renderer<Spec<'bets'>> = {
  draw(ctx, { spec, width: w, height: h, object }) {
    const state = object?.state as BetsState | undefined;
    const markets = (state?.markets ?? []).filter((m) => (spec.market ? m.id === spec.market : m.status !== 'settled' || state?.markets.length === 1));
    if (markets.length === 0) return;
    const p = pad(w, h);
    panel(ctx, 0, 0, w, h, p * 0.8, css(spec.background));
    let y = header(ctx, spec.title ?? 'Odds', spec.accent, p, p, w - 2 * p, h * 0.05);
    const px = Math.max(10, h * 0.055);
    const maxW = w - 2 * p;
    for (const m of markets) {
      if (y + px * 2.6 > h - p) break;
      ctx.textAlign = 'left';
      ctx.font = font(px, true);
      ctx.fillStyle = css(spec.color);
      const badge = m.status.toUpperCase();
      ctx.font = font(px * 0.7, true);
      const badgeW = ctx.measureText(badge).width + px * 0.8;
      panel(ctx, w - p - badgeW, y, badgeW, px * 1.1, px * 0.3, m.status === 'open' ? 'rgba(46,204,113,0.9)' : 'rgba(140,140,140,0.9)');
      ctx.fillStyle = '#ffffff';
      ctx.textAlign = 'center';
      ctx.fillText(badge, w - p - badgeW / 2, y + px * 0.82);
      ctx.textAlign = 'left';
      ctx.font = font(px, true);
      ctx.fillText(ellipsize(ctx, m.name, maxW - badgeW - px), p, y + px);
      y += px * 1.7;
      for (const s of m.selections) {
        if (y + px * 1.3 > h - p) break;
        const won = m.winner === s.id;
        ctx.font = font(px * 0.9, won);
        ctx.fillStyle = css(won ? spec.accent : spec.color);
        ctx.textAlign = 'right';
        const odds = s.odds.toFixed(2);
        ctx.fillText(odds, w - p, y + px);
        const oddsW = ctx.measureText('000.00').width + px;
        ctx.textAlign = 'left';
        ctx.fillText(ellipsize(ctx, `${won ? '✓ ' : ''}${s.name}`, maxW - oddsW), p, y + px);
        y += px * 1.35;
      }
      y += px * 0.6;
    }
  },
};

function auctionRemaining(state: AuctionState | undefined, now: number): string {
  if (state?.status !== 'open' || state.endsAt === undefined) return '';
  return formatRemaining(state.endsAt - now);
}
const auction: Renderer<Spec<'auction'>> = {
  dynamicKey: ({ object, wallNow }) => auctionRemaining(object?.state as AuctionState | undefined, wallNow),
  draw(ctx, { spec, width: w, height: h, object, wallNow }) {
    const state = object?.state as AuctionState | undefined;
    if (!state || state.status === 'idle') return;
    const p = pad(w, h);
    const maxW = w - 2 * p;
    panel(ctx, 0, 0, w, h, p * 0.8, css(spec.background));
    let y = header(ctx, spec.title ?? 'Auction', spec.accent, p, p, maxW, h * 0.07);
    ctx.textAlign = 'left';
    ctx.textBaseline = 'alphabetic';
    if (state.item) {
      ctx.fillStyle = css(spec.color);
      ctx.fillText(fitText(ctx, state.item, maxW, h * 0.1, true), p, y + h * 0.09);
      y += h * 0.15;
    }
    const current = state.winner ?? state.current;
    ctx.fillStyle = css(spec.color, 0.75);
    ctx.font = font(h * 0.065, false);
    ctx.fillText(state.status === 'closed' ? (current ? 'SOLD FOR' : 'CLOSED') : current ? 'CURRENT BID' : 'STARTING AT', p, y + h * 0.06);
    y += h * 0.08;
    ctx.fillStyle = css(spec.accent);
    ctx.fillText(fitText(ctx, formatMoney(current?.amount ?? state.startPrice, state.currency), maxW, h * 0.2, true), p, y + h * 0.18);
    y += h * 0.22;
    ctx.fillStyle = css(spec.color);
    ctx.font = font(h * 0.07, false);
    const who = current ? `${state.status === 'closed' ? 'to' : 'by'} ${current.bidder}` : 'No bids yet';
    ctx.fillText(ellipsize(ctx, who, maxW * 0.6), p, h - p);
    const left = auctionRemaining(state, wallNow);
    if (left) {
      ctx.textAlign = 'right';
      ctx.font = font(h * 0.08, true);
      ctx.fillStyle = css(spec.accent);
      ctx.fillText(state.endsAt !== undefined && state.endsAt <= wallNow ? 'Time up' : `${left} left`, w - p, h - p);
    }
  },
};

function drawStroke(ctx: Ctx, s: ChalkStroke, w: number, h: number): void {
  ctx.strokeStyle = css(s.color);
  ctx.fillStyle = css(s.color);
  const lw = Math.max(1, s.width * h);
  if (s.points.length === 1) {
    ctx.beginPath();
    ctx.arc(s.points[0][0] * w, s.points[0][1] * h, lw / 2, 0, Math.PI * 2);
    ctx.fill();
    return;
  }
  ctx.lineWidth = lw;
  ctx.lineCap = 'round';
  ctx.lineJoin = 'round';
  ctx.beginPath();
  ctx.moveTo(s.points[0][0] * w, s.points[0][1] * h);
  for (let i = 1; i < s.points.length; i++) ctx.lineTo(s.points[i][0] * w, s.points[i][1] * h);
  ctx.stroke();
}
const isTransparent = (hex: string) => hex.length === 9 && hex.endsWith('00');
const chalkboard: Renderer<Spec<'chalkboard'>> = {
  draw(ctx, { spec, width: w, height: h, object }) {
    const state = object?.state as ChalkboardState | undefined;
    if (!state) return;
    if (!isTransparent(spec.background)) {
      ctx.fillStyle = css(spec.background);
      ctx.fillRect(0, 0, w, h);
    }
    for (const s of state.strokes) drawStroke(ctx, s, w, h);
  },
  update(ctx, input, previous) {
    const now = input.object?.state as ChalkboardState | undefined;
    const before = previous.object?.state as ChalkboardState | undefined;
    // Only appended strokes on a transparent board can be drawn on top of the old picture.
    if (!now || !before || now.epoch !== before.epoch || !isTransparent(input.spec.background)) return 'full';
    if (before.strokes.length > 0 && now.strokes[0]?.seq !== before.strokes[0].seq) return 'full';
    const lastSeq = before.strokes.at(-1)?.seq ?? 0;
    const added = now.strokes.filter((s) => s.seq > lastSeq);
    if (added.length === 0) return 'full';
    const { width: w, height: h } = input;
    let y0 = h;
    let y1 = 0;
    for (const s of added) {
      const r = Math.max(1, s.width * h) / 2 + 2;
      for (const [, py] of s.points) {
        y0 = Math.min(y0, py * h - r);
        y1 = Math.max(y1, py * h + r);
      }
      drawStroke(ctx, s, w, h);
    }
    return { y0: Math.max(0, Math.floor(y0 / 2) * 2), y1: Math.min(h, Math.ceil(y1)) };
  },
};

const gps: Renderer<Spec<'gps'>> = {
  draw(ctx, { spec, width: w, height: h, object }) {
    const state = object?.state as GpsState | undefined;
    if (!state) return;
    const p = pad(w, h);
    panel(ctx, 0, 0, w, h, p * 0.8, css(spec.background));
    const top = spec.title ? header(ctx, spec.title, spec.accent, p, p, w - 2 * p, h * 0.05) : p;
    const mx = p;
    const my = top;
    const mw = w - 2 * p;
    const mh = h - p - top;
    ctx.strokeStyle = css(spec.color, 0.12);
    ctx.lineWidth = 1;
    for (let i = 0; i <= 4; i++) {
      ctx.beginPath();
      ctx.moveTo(mx + (mw * i) / 4, my);
      ctx.lineTo(mx + (mw * i) / 4, my + mh);
      ctx.moveTo(mx, my + (mh * i) / 4);
      ctx.lineTo(mx + mw, my + (mh * i) / 4);
      ctx.stroke();
    }
    if (state.tracks.length === 0) return;
    let b = spec.bounds;
    if (!b) {
      const lats = state.tracks.flatMap((t) => t.trail.map((q) => q[0]));
      const lons = state.tracks.flatMap((t) => t.trail.map((q) => q[1]));
      const minLat = Math.min(...lats);
      const maxLat = Math.max(...lats);
      const minLon = Math.min(...lons);
      const maxLon = Math.max(...lons);
      const dLat = Math.max(maxLat - minLat, 0.001) * 0.15;
      const dLon = Math.max(maxLon - minLon, 0.001) * 0.15;
      b = { minLat: minLat - dLat, maxLat: maxLat + dLat, minLon: minLon - dLon, maxLon: maxLon + dLon };
    }
    // Equirectangular with the x axis shrunk by cos(latitude), centred, aspect kept.
    const k = Math.cos((((b.minLat + b.maxLat) / 2) * Math.PI) / 180);
    const spanX = (b.maxLon - b.minLon) * k;
    const spanY = b.maxLat - b.minLat;
    const scale = Math.min(mw / spanX, mh / spanY);
    const ox = mx + (mw - spanX * scale) / 2;
    const oy = my + (mh - spanY * scale) / 2;
    const bounds = b;
    const project = (lat: number, lon: number): [number, number] => [ox + (lon - bounds.minLon) * k * scale, oy + (bounds.maxLat - lat) * scale];
    const dot = Math.max(3, h * 0.018);
    for (const t of state.tracks) {
      const color = t.color ?? paletteColor(t.id);
      if (t.trail.length > 1) {
        ctx.strokeStyle = css(color, 0.6);
        ctx.lineWidth = Math.max(1.5, dot * 0.5);
        ctx.lineJoin = 'round';
        ctx.beginPath();
        t.trail.forEach(([lat, lon], i) => {
          const [x, y] = project(lat, lon);
          if (i === 0) ctx.moveTo(x, y);
          else ctx.lineTo(x, y);
        });
        ctx.stroke();
      }
      const [x, y] = project(t.lat, t.lon);
      ctx.fillStyle = css(color);
      ctx.beginPath();
      ctx.arc(x, y, dot, 0, Math.PI * 2);
      ctx.fill();
      ctx.font = font(dot * 2.4, true);
      ctx.fillStyle = css(spec.color);
      ctx.textAlign = x > mx + mw * 0.7 ? 'right' : 'left';
      ctx.textBaseline = 'middle';
      ctx.fillText(t.label, x + (ctx.textAlign === 'right' ? -dot * 1.8 : dot * 1.8), y);
    }
  },
};

// ---- scoreboard (a kv object) -------------------------------------------------------------------

/** The rows a scoreboard shows: its keys in order, or the object's first 8; values as text. */
export function scoreRows(spec: Spec<'scoreboard'>, state: KvState | undefined): [string, string][] {
  const entries = state?.entries ?? {};
  const keys = spec.keys ?? Object.keys(entries).slice(0, 8);
  return keys.map((key) => {
    const value = entries[key];
    return [key, value === undefined ? '–' : typeof value === 'string' || typeof value === 'number' ? String(value) : JSON.stringify(value)];
  });
}

const scoreboard: Renderer<Spec<'scoreboard'>> = {
  draw(ctx, { spec, width: w, height: h, object }) {
    const rows = scoreRows(spec, object?.state as KvState | undefined);
    if (rows.length === 0) return;
    const p = pad(w, h);
    panel(ctx, 0, 0, w, h, p * 0.8, css(spec.background));
    let y = p;
    if (spec.title) y = header(ctx, spec.title, spec.accent, p, p, w - 2 * p, h * 0.14);
    const rowH = (h - y - p) / rows.length;
    ctx.textBaseline = 'middle';
    for (const [i, [key, value]] of rows.entries()) {
      const cy = y + rowH * (i + 0.5);
      ctx.textAlign = 'left';
      ctx.fillStyle = css(spec.color);
      ctx.fillText(fitText(ctx, key.toUpperCase(), w * 0.62 - p, rowH * 0.6, true), p, cy);
      ctx.textAlign = 'right';
      ctx.fillStyle = css(spec.accent);
      ctx.fillText(fitText(ctx, value, w * 0.34, rowH * 0.72, true), w - p, cy);
    }
  },
};

export const RENDERERS: { [K in OverlayKind]: Renderer<Spec<K>> } = {
  image,
  text,
  lowerThird,
  clock,
  countdown,
  ticker,
  chat,
  poll,
  bets,
  auction,
  chalkboard,
  gps,
  scoreboard,
};
export function rendererFor(kind: OverlayKind): Renderer {
  return RENDERERS[kind] as unknown as Renderer;
}
