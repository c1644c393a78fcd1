/**
 * The viewer page (`GET /viewer#token=…[&view=…|&whep=…]`): plain HTML + JS served by the engine.
 * It lists the views this token may watch (`GET /views`: public programs, by name), plays one over
 * WHEP and switches between them on a click (a new WHEP session; the old one is ended once the new
 * one answers, so the picture never goes blank for longer than the switch); with no views it plays
 * `#whep=` or `/whep/program` as before. It draws the shared objects (polls, auctions, chat, …) itself, over the video,
 * from the Cutline SEI inside the H.264 it receives — not from the API — so the data lines up with
 * the picture at any audience size (docs/TIMED-METADATA.md, "Viewer page").
 *
 * Each encoded frame is read before decoding (insertable streams: `receiver.createEncodedStreams()`
 * with `encodedInsertableStreams: true`, or `RTCRtpScriptTransform` where that is gone); its SEI
 * records wait keyed by the frame's RTP timestamp and are applied when `requestVideoFrameCallback`
 * reports that frame (or a later one) composited; records whose frame is never reported (dropped,
 * tab hidden) are applied 1 s after arrival.
 *
 * `window.cutlineViewer` exposes the state for tests: frames seen, SEI records read, objects.
 */
import { OFFER_EXCHANGE_JS } from './offerExchangeJs.ts';

export function viewerPageHtml(iceServers: unknown[]): string {
  const config = JSON.stringify({ iceServers }).replace(/</g, '\\u003c');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Cutline viewer</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #111; color: #eee; }
  main { max-width: 1100px; margin: 0 auto; padding: 16px; display: grid; gap: 10px; }
  #stage { position: relative; background: #000; border-radius: 6px; overflow: hidden; aspect-ratio: 16 / 9; }
  #stage video { position: absolute; inset: 0; width: 100%; height: 100%; display: block; }
  #overlay { position: absolute; inset: auto 3% 4% auto; width: min(44%, 420px); display: grid; gap: 8px; pointer-events: none; }
  .obj { background: rgba(10, 14, 24, 0.72); border-radius: 10px; padding: 10px 14px; }
  .obj h2 { font-size: 1em; margin: 0 0 6px; }
  .opt { position: relative; display: flex; justify-content: space-between; padding: 3px 8px; margin: 3px 0; border-radius: 5px; overflow: hidden; }
  .opt .bar { position: absolute; inset: 0 auto 0 0; background: rgba(45, 127, 249, 0.55); z-index: -1; transition: width 150ms; }
  .opt { isolation: isolate; }
  .muted { color: #aaa; font-size: 0.85em; }
  pre { margin: 0; white-space: pre-wrap; font-size: 0.8em; }
  .row { display: flex; gap: 12px; align-items: center; }
  button { font: inherit; padding: 6px 14px; border-radius: 6px; border: 0; background: #2d7ff9; color: #fff; cursor: pointer; }
  #status { color: #aaa; }
  #views { display: flex; flex-wrap: wrap; gap: 8px; }
  #views button { background: #2a2f3a; }
  #views button[aria-pressed="true"] { background: #2d7ff9; }
</style>
</head>
<body>
<main>
  <nav id="views" aria-label="Views"></nav>
  <div id="stage"><video id="video" autoplay playsinline muted></video><div id="overlay" aria-live="polite"></div></div>
  <div class="row">
    <button id="unmute">Sound on</button>
    <span id="status" role="status">Connecting…</span>
  </div>
</main>
<script type="application/json" id="config">${config}</script>
<script src="/viewer/viewer.js"></script>
</body>
</html>
`;
}

/** Finds Cutline SEI payloads (JSON text) in an Annex-B access unit; shared by page and worker. */
const SEI_READER = `
const CUTLINE_UUID = [0x5e, 0x7a, 0x1c, 0x0d, 0xc1, 0x7e, 0x4b, 0x1a, 0x9c, 0x3e, 0x0d, 0xaf, 0xc0, 0xff, 0xee, 0x01];
const utf8 = new TextDecoder();
function cutlineSeiTexts(data) {
  const texts = [];
  const n = data.length;
  let i = 0;
  // NAL units start after 00 00 01; SEI comes before the first slice, so stop there.
  while (i + 3 < n) {
    if (!(data[i] === 0 && data[i + 1] === 0 && data[i + 2] === 1)) { i++; continue; }
    const start = i + 3;
    const type = data[start] & 0x1f;
    if (type === 1 || type === 5) break;
    let end = start + 1;
    while (end + 2 < n && !(data[end] === 0 && data[end + 1] === 0 && (data[end + 2] === 1 || data[end + 2] === 0))) end++;
    if (end + 2 >= n) end = n;
    if (type === 6) readSei(data, start + 1, end, texts);
    i = end;
  }
  return texts;
}
function readSei(data, from, to, texts) {
  // Remove emulation prevention (00 00 03 → 00 00).
  const rbsp = new Uint8Array(to - from);
  let len = 0;
  let zeros = 0;
  for (let k = from; k < to; k++) {
    const b = data[k];
    if (zeros >= 2 && b === 3) { zeros = 0; continue; }
    rbsp[len++] = b;
    zeros = b === 0 ? zeros + 1 : 0;
  }
  let p = 0;
  while (p < len && rbsp[p] !== 0x80) {
    let type = 0;
    while (rbsp[p] === 255) type += rbsp[p++];
    type += rbsp[p++];
    let size = 0;
    while (rbsp[p] === 255) size += rbsp[p++];
    size += rbsp[p++];
    if (type === 5 && size >= 16 && p + size <= len) {
      let ours = true;
      for (let u = 0; u < 16; u++) if (rbsp[p + u] !== CUTLINE_UUID[u]) { ours = false; break; }
      if (ours) texts.push(utf8.decode(rbsp.subarray(p + 16, p + size)));
    }
    p += size;
  }
}
function frameRtpTimestamp(frame) {
  const meta = frame.getMetadata ? frame.getMetadata() : {};
  return (meta.rtpTimestamp ?? frame.timestamp) >>> 0;
}
`;

/** The worker for browsers with RTCRtpScriptTransform only. */
export const VIEWER_WORKER_JS = `'use strict';
${SEI_READER}
self.onrtctransform = (event) => {
  const { readable, writable } = event.transformer;
  readable.pipeThrough(new TransformStream({
    transform(frame, controller) {
      try {
        const texts = cutlineSeiTexts(new Uint8Array(frame.data));
        self.postMessage({ rtp: frameRtpTimestamp(frame), texts, frames: 1 });
      } catch (error) { self.postMessage({ error: String(error) }); }
      controller.enqueue(frame);
    },
  })).pipeTo(writable);
};
`;

export const VIEWER_JS = `'use strict';
(() => {
` + SEI_READER + `
  const config = JSON.parse(document.getElementById('config').textContent);
  const params = new URLSearchParams(location.hash.slice(1));
  const token = params.get('token') || '';
  // A #whep= link plays that stream (another server, an edge); otherwise the views decide.
  const fixedWhep = params.get('whep');
  const fallbackWhep = new URL(fixedWhep || '/whep/program', location.href).toString();
  const $ = (id) => document.getElementById(id);
  const state = {
    phase: 'idle', error: null, session: null, streams: '', views: [], view: null, switches: 0, lastConnect: null,
    framesSeen: 0, seiFrames: 0, seiRecords: 0, appliedAtDisplay: 0, appliedByTimeout: 0, lastPts: null, objects: {},
  };
  /** Records read from frames not yet shown: { rtp, records, at }. */
  const pending = [];
  let pc = null;

  const setStatus = (text) => { $('status').textContent = text; };

  function onFrameData(rtp, texts) {
    state.framesSeen++;
    if (texts.length === 0) return;
    state.seiFrames++;
    const records = [];
    for (const text of texts) {
      try {
        const value = JSON.parse(text);
        for (const r of Array.isArray(value) ? value : [value]) if (r && typeof r.object === 'string') records.push(r);
      } catch (error) { state.error = 'bad SEI JSON: ' + error; }
    }
    state.seiRecords += records.length;
    pending.push({ rtp, records, at: performance.now() });
  }

  function apply(item) {
    for (const r of item.records) {
      const current = state.objects[r.object];
      if (current && current.version > r.version) continue;
      state.objects[r.object] = r;
      state.lastPts = r.pts;
      render(r.object);
    }
  }

  /** The displayed frame has this RTP timestamp: everything read from it or earlier is due. */
  function onDisplayed(rtp) {
    while (pending.length > 0 && ((rtp - pending[0].rtp) >>> 0) < 0x80000000) {
      apply(pending.shift());
      state.appliedAtDisplay++;
    }
  }

  setInterval(() => {
    const now = performance.now();
    while (pending.length > 0 && now - pending[0].at > 1000) {
      apply(pending.shift());
      state.appliedByTimeout++;
    }
  }, 250);

  function watchDisplay() {
    const video = $('video');
    if (!video.requestVideoFrameCallback) return;
    const onFrame = (_now, meta) => {
      if (typeof meta.rtpTimestamp === 'number') onDisplayed(meta.rtpTimestamp >>> 0);
      video.requestVideoFrameCallback(onFrame);
    };
    video.requestVideoFrameCallback(onFrame);
  }

  function el(tag, className, text) {
    const e = document.createElement(tag);
    if (className) e.className = className;
    if (text !== undefined) e.textContent = text;
    return e;
  }

  function render(id) {
    const record = state.objects[id];
    const s = record.state || {};
    let box = document.querySelector('.obj[data-object="' + CSS.escape(id) + '"]');
    if (!box) {
      box = el('section', 'obj');
      box.dataset.object = id;
      $('overlay').append(box);
    }
    box.dataset.version = String(record.version);
    box.textContent = '';
    if (Array.isArray(s.options) && s.options.every((o) => o && typeof o.percent === 'number')) {
      box.append(el('h2', '', s.question || id));
      s.options.forEach((o, i) => {
        const row = el('div', 'opt');
        row.dataset.option = String(i);
        const bar = el('div', 'bar');
        // A showResults:false poll sends no counts before reveal (resultsHidden).
        bar.style.width = (s.resultsHidden ? 0 : o.percent) + '%';
        row.append(bar, el('span', 'text', o.text), el('span', 'pct', s.resultsHidden ? '' : o.percent + '%'));
        box.append(row);
      });
      box.append(el('div', 'muted', s.total + ' vote' + (s.total === 1 ? '' : 's') + (s.status === 'open' ? '' : ' · ' + s.status)));
    } else if (Array.isArray(s.messages)) {
      box.append(el('h2', '', id));
      for (const m of s.messages.slice(-5)) box.append(el('div', '', (m.author ? m.author + ': ' : '') + (m.text || '')));
    } else {
      box.append(el('h2', '', id), el('pre', '', JSON.stringify(s, null, 1).slice(0, 600)));
    }
  }

${OFFER_EXCHANGE_JS}

  function readFrames(receiver) {
    if (receiver.createEncodedStreams) {
      state.streams = 'createEncodedStreams';
      const { readable, writable } = receiver.createEncodedStreams();
      readable.pipeThrough(new TransformStream({
        transform(frame, controller) {
          try { onFrameData(frameRtpTimestamp(frame), cutlineSeiTexts(new Uint8Array(frame.data))); }
          catch (error) { state.error = String(error); }
          controller.enqueue(frame);
        },
      })).pipeTo(writable).catch(() => {});
    } else if (window.RTCRtpScriptTransform) {
      state.streams = 'RTCRtpScriptTransform';
      const worker = new Worker('/viewer/viewer-worker.js');
      worker.onmessage = (event) => {
        if (event.data.error) state.error = event.data.error;
        else onFrameData(event.data.rtp, event.data.texts);
      };
      receiver.transform = new RTCRtpScriptTransform(worker, {});
    } else {
      state.streams = 'none';
      setStatus('This browser cannot read the data inside the video (no insertable streams): video only.');
    }
  }

  /**
   * TURN credentials come with the program token checked (/viewer/ice), once per page; a WHEP link
   * to another server keeps the page's STUN list.
   */
  let iceList;
  async function iceServers() {
    if (iceList) return iceList;
    try {
      const res = await fetch('/viewer/ice', { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
      if (res.ok) return (iceList = (await res.json()).iceServers);
    } catch {}
    return config.iceServers;
  }

  /** Plays one WHEP stream; a previous one is ended once this one has answered. */
  async function connect(whepUrl) {
    state.phase = 'connecting';
    const insertable = !!RTCRtpReceiver.prototype.createEncodedStreams;
    const previous = { pc, session: state.session };
    // Where a switch spends its time (ms from the start): for tests and for tuning.
    const t0 = performance.now();
    const timing = { answered: null, shown: null };
    state.lastConnect = timing;
    pc = new RTCPeerConnection({ iceServers: await iceServers(), ...(insertable ? { encodedInsertableStreams: true } : {}) });
    const own = pc;
    const video = pc.addTransceiver('video', { direction: 'recvonly' });
    const audio = pc.addTransceiver('audio', { direction: 'recvonly' });
    readFrames(video.receiver);
    if (insertable) {
      // Every receiver of an insertable-streams connection must pass its frames through.
      const { readable, writable } = audio.receiver.createEncodedStreams();
      readable.pipeTo(writable).catch(() => {});
    }
    const stream = new MediaStream();
    pc.addEventListener('track', (event) => {
      stream.addTrack(event.track);
      if (event.track.kind !== 'video') return;
      // A second video element under the one playing starts decoding at once; it takes the old
      // one's place when it has composited its first frame, so a switch goes from one picture
      // straight to the next and the element's start-up overlaps the wait for media.
      const current = $('video');
      const next = document.createElement('video');
      next.autoplay = true;
      next.playsInline = true;
      next.muted = current.muted;
      current.before(next);
      next.srcObject = stream;
      next.play().catch(() => {});
      let swapped = false;
      const swap = () => {
        if (swapped) return;
        swapped = true;
        if (pc !== own) { next.remove(); return; }
        timing.shown = Math.round(performance.now() - t0);
        $('video').remove();
        next.id = 'video';
        watchDisplay();
      };
      if (next.requestVideoFrameCallback) next.requestVideoFrameCallback(swap);
      else next.addEventListener('playing', swap, { once: true });
      // A stream that never shows a frame still replaces the old one, rather than the page staying on it.
      setTimeout(swap, 3000);
    });
    try {
      state.session = await exchangeOffer(whepUrl, pc, token);
      timing.answered = Math.round(performance.now() - t0);
    } catch (error) {
      own.close();
      pc = previous.pc;
      state.session = previous.session;
      throw error;
    }
    if (previous.pc) {
      previous.pc.close();
      if (previous.session) fetch(previous.session, { method: 'DELETE', headers: { authorization: 'Bearer ' + token } }).catch(() => {});
    }
    // Records read from the old stream carry its RTP clock, not this one's.
    pending.length = 0;
    state.phase = 'playing';
    setStatus('Live. Data overlay drawn from the video itself.');
  }

  function showViews() {
    const nav = $('views');
    nav.textContent = '';
    for (const view of state.views) {
      const button = el('button', '', view.name);
      button.dataset.view = view.id;
      button.setAttribute('aria-pressed', String(view.id === state.view));
      button.addEventListener('click', () => { switchTo(view.id).catch(() => {}); });
      nav.append(button);
    }
  }

  /** Watch another view: the page's only way to change what plays. */
  async function switchTo(id) {
    const view = state.views.find((v) => v.id === id);
    const whep = new URL(view ? view.whep : '/views/' + encodeURIComponent(id) + '/whep', location.href).toString();
    try {
      await connect(whep);
      state.view = id;
      state.switches++;
      showViews();
    } catch (error) {
      state.error = String(error && error.message || error);
      setStatus('Could not switch: ' + state.error);
      throw error;
    }
  }

  /** The views this token may watch; none (or an older engine) = play the one stream. */
  async function loadViews() {
    if (fixedWhep) return [];
    try {
      const response = await fetch('/views', { headers: { authorization: 'Bearer ' + token } });
      if (!response.ok) return [];
      const body = await response.json();
      return Array.isArray(body.views) ? body.views : [];
    } catch { return []; }
  }

  async function start() {
    state.views = await loadViews();
    watchDisplay();
    if (state.views.length === 0) return connect(fallbackWhep);
    const wanted = params.get('view');
    const first = state.views.find((v) => v.id === wanted) || state.views[0];
    state.view = first.id;
    showViews();
    await connect(new URL(first.whep, location.href).toString());
  }

  window.cutlineViewer = { state, switchTo, get pc() { return pc; } };
  window.addEventListener('pagehide', () => {
    if (state.session) fetch(state.session, { method: 'DELETE', headers: { authorization: 'Bearer ' + token }, keepalive: true }).catch(() => {});
  });
  $('unmute').addEventListener('click', () => { $('video').muted = false; $('video').play().catch(() => {}); });
  if (!token) {
    state.phase = 'error';
    setStatus('This link has no token: open /viewer#token=<program token> (from program.monitor).');
  } else {
    start().catch((error) => {
      state.phase = 'error';
      state.error = String(error && error.message || error);
      setStatus('Could not play: ' + state.error);
    });
  }
})();
`;
