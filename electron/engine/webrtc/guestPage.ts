/**
 * The guest page: plain HTML + JS served by the engine (not the React app), so a commentator needs
 * nothing but a link. Pick camera and microphone, see yourself, join (WHIP publish), then see and
 * hear the program back (WHEP, mix-minus: without your own voice). The token travels in the URL
 * fragment, which browsers never send to a server or put in its logs. Below the videos: the show's
 * chat (post a line, see the latest) and its current poll (vote), over the objects WebSocket
 * (`/objects/ws`, objects/ObjectsGateway.ts) with the same token, sent as the subprotocol
 * `cutline.token.<base64url>` beside `cutline.v1` (never in the query string, which servers and
 * proxies log); they work without joining. The page's URLs carry the guest's public id, not the
 * producer's source id.
 *
 * `window.cutlineGuest` lets tests and the latency bench drive the page (join with a given stream,
 * record the return audio).
 */
import { WS_PROTOCOL, WS_TOKEN_PROTOCOL_PREFIX } from '../server/requestGuard.ts';
import { OFFER_EXCHANGE_JS } from './offerExchangeJs.ts';

export function guestPageHtml(publicId: string, label: string, iceServers: unknown[]): string {
  const config = JSON.stringify({ publicId, label, iceServers }).replace(/</g, '\\u003c');
  const title = label.replace(/[<>&"]/g, '');
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${title} · Cutline guest</title>
<style>
  body { font: 15px/1.4 system-ui, sans-serif; margin: 0; background: #111; color: #eee; }
  main { max-width: 980px; margin: 0 auto; padding: 16px; display: grid; gap: 12px; }
  .row { display: flex; gap: 12px; flex-wrap: wrap; align-items: center; }
  video { background: #000; width: 100%; border-radius: 6px; }
  .views { display: grid; grid-template-columns: 1fr 2fr; gap: 12px; }
  button { font: inherit; padding: 8px 18px; border-radius: 6px; border: 0; background: #2d7ff9; color: #fff; cursor: pointer; }
  button[disabled] { background: #555; cursor: default; }
  #leave { background: #c0392b; }
  #status { color: #aaa; }
  label { display: grid; gap: 4px; }
  select { font: inherit; padding: 4px; max-width: 320px; }
  .live { display: grid; grid-template-columns: 1fr 1fr; gap: 12px; }
  .live section { background: #1c1c1c; border-radius: 6px; padding: 10px 12px; }
  .live h2 { font-size: 15px; margin: 0 0 6px; color: #ccc; }
  #chatLog { list-style: none; margin: 0 0 8px; padding: 0; max-height: 220px; overflow-y: auto; }
  #chatLog b { color: #8ab4ff; margin-right: 6px; }
  #chatForm { display: flex; gap: 8px; }
  #chatText { flex: 1; font: inherit; padding: 6px; border-radius: 6px; border: 1px solid #444; background: #000; color: #eee; }
  #pollOptions { display: grid; gap: 6px; }
  #pollOptions button { text-align: left; background: #333; }
  #liveStatus { color: #e6a23c; min-height: 1.4em; }
  input#name { font: inherit; padding: 6px; border-radius: 6px; border: 1px solid #444; background: #000; color: #eee; width: 16em; }
  #tally { font-weight: 700; padding: 4px 10px; border-radius: 4px; background: #333; color: #bbb; }
  #tally.program { background: #c0392b; color: #fff; }
  #tally.preview { background: #2e8b57; color: #fff; }
  #micLevel { width: 160px; height: 10px; }
  #deviceError { color: #ff8a80; }
  #returnDelay { color: #aaa; }
</style>
</head>
<body>
<main>
  <h1>${title}</h1>
  <div class="row">
    <label>Your name (shown on screen) <input id="name" maxlength="60" autocomplete="name"></label>
    <label>Camera <select id="camera"></select></label>
    <label>Microphone <select id="mic"></select></label>
    <label>Mic level <meter id="micLevel" min="0" max="1" low="0.05" high="0.7" optimum="0.3" value="0"></meter></label>
    <span id="tally" role="status" aria-label="Tally">Off air</span>
  </div>
  <div id="deviceError" role="alert"></div>
  <div class="views">
    <div><video id="self" autoplay playsinline muted></video><div>You</div></div>
    <div><video id="program" autoplay playsinline></video><div>Program (you hear everyone but yourself) <span id="returnDelay"></span></div></div>
  </div>
  <div class="row">
    <button id="join" disabled>Join</button>
    <button id="leave" disabled>Leave</button>
    <span id="status" role="status">Allow the camera and microphone to start.</span>
  </div>
  <div class="live">
    <section aria-labelledby="chatTitle">
      <h2 id="chatTitle">Chat</h2>
      <ul id="chatLog" aria-live="polite"></ul>
      <form id="chatForm"><input id="chatText" maxlength="280" autocomplete="off" placeholder="Say something" aria-label="Chat message"><button id="chatSend" type="submit" disabled>Send</button></form>
    </section>
    <section aria-labelledby="pollTitle">
      <h2 id="pollTitle">Poll</h2>
      <div id="pollQuestion">No poll right now.</div>
      <div id="pollOptions"></div>
    </section>
  </div>
  <div id="liveStatus" role="status"></div>
</main>
<script type="application/json" id="config">${config}</script>
<script src="/guest/guest.js"></script>
</body>
</html>
`;
}

export const GUEST_JS = String.raw`'use strict';
(() => {
  const config = JSON.parse(document.getElementById('config').textContent);
  const hashParams = new URLSearchParams(location.hash.slice(1));
  const token = hashParams.get('token') || '';
  const $ = (id) => document.getElementById(id);
  const state = { phase: 'idle', error: null, whipSession: null, whepSession: null, joinedAt: 0, reconnects: 0, tally: 'off', micLevel: 0, returnDelayMs: null };
  document.getElementById('name').value = config.label;
  let local = null;
  let publisher = null;
  let viewer = null;
  let returnStream = null;

  const setStatus = (text) => { $('status').textContent = text; };

  async function openDevices() {
    // HD when the camera has it: a bare 'video: true' gets 640x480 from most webcams.
    const hd = { width: { ideal: 1280 }, height: { ideal: 720 }, frameRate: { ideal: 30 } };
    const video = $('camera').value ? { ...hd, deviceId: { exact: $('camera').value } } : hd;
    const audio = $('mic').value ? { deviceId: { exact: $('mic').value } } : true;
    if (local) local.getTracks().forEach((t) => t.stop());
    try {
      local = await navigator.mediaDevices.getUserMedia({ video, audio });
    } catch (error) {
      $('deviceError').textContent = deviceProblem(error);
      throw error;
    }
    $('deviceError').textContent = '';
    $('self').srcObject = local;
    watchMicLevel(local);
  }

  /** What to do about a camera/microphone failure, in words a guest can act on. */
  function deviceProblem(error) {
    const name = error && error.name;
    if (name === 'NotAllowedError' || name === 'SecurityError')
      return 'Camera and microphone are blocked for this page. Allow them in your browser (the camera icon in the address bar), then reload.';
    if (name === 'NotReadableError' || name === 'AbortError')
      return 'Your camera or microphone is busy: another app (a video call, OBS) is using it. Close that app, then reload.';
    if (name === 'NotFoundError' || name === 'OverconstrainedError')
      return 'No camera or microphone found: plug one in, or pick another in the lists, then reload.';
    return 'The camera or microphone did not start: ' + String(error && error.message || error);
  }

  let meterTimer = null;
  /** A level meter for the guest's own microphone, so they see they are heard before joining. */
  function watchMicLevel(stream) {
    clearInterval(meterTimer);
    const track = stream.getAudioTracks()[0];
    if (!track || !window.AudioContext) return;
    const ctx = new AudioContext();
    const analyser = ctx.createAnalyser();
    analyser.fftSize = 1024;
    ctx.createMediaStreamSource(new MediaStream([track])).connect(analyser);
    const samples = new Float32Array(analyser.fftSize);
    meterTimer = setInterval(() => {
      analyser.getFloatTimeDomainData(samples);
      let sum = 0;
      for (const v of samples) sum += v * v;
      const rms = Math.sqrt(sum / samples.length);
      // -60..0 dBFS on the meter's 0..1.
      const level = Math.max(0, Math.min(1, (20 * Math.log10(rms || 1e-6) + 60) / 60));
      $('micLevel').value = level;
      state.micLevel = level;
    }, 100);
  }

  let tallyTimer = null;
  /** Polls whether the producer has this guest on program or preview (a tally light). */
  function watchTally() {
    clearInterval(tallyTimer);
    const show = async () => {
      try {
        const res = await fetch('/guest/' + config.publicId + '/status', { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
        if (!res.ok) return;
        const status = await res.json();
        state.tally = status.onProgram ? 'program' : status.onPreview ? 'preview' : 'off';
        $('tally').className = state.tally;
        $('tally').textContent = status.onProgram ? 'ON AIR' : status.onPreview ? 'On preview: next' : 'Off air';
      } catch {}
      try { await showReturnDelay(); } catch {}
    };
    show();
    tallyTimer = setInterval(show, 1000);
  }

  /**
   * The delay of the program return as the network and the two jitter buffers make it (half of each
   * round trip plus the return's buffer); the engine's own composing adds about one frame.
   */
  async function showReturnDelay() {
    if (!publisher || !viewer) return;
    const rtt = async (pc) => {
      let best = 0;
      (await pc.getStats()).forEach((s) => { if (s.type === 'candidate-pair' && s.nominated && s.currentRoundTripTime) best = s.currentRoundTripTime; });
      return best;
    };
    let buffer = 0;
    (await viewer.getStats()).forEach((s) => {
      if (s.type === 'inbound-rtp' && s.kind === 'video' && s.jitterBufferEmittedCount) buffer = s.jitterBufferDelay / s.jitterBufferEmittedCount;
    });
    const ms = Math.round(((await rtt(publisher)) / 2 + (await rtt(viewer)) / 2 + buffer) * 1000 + 1000 / 30);
    state.returnDelayMs = ms;
    $('returnDelay').textContent = '· return delay ≈ ' + ms + ' ms';
  }

  /** The name the guest chose goes to the engine before they join: it labels their source and lower third. */
  async function sendName() {
    const name = $('name').value.trim();
    if (!name || name === config.label) return;
    const res = await fetch('/guest/' + config.publicId + '/name', {
      method: 'POST', headers: { authorization: 'Bearer ' + token, 'content-type': 'application/json' }, body: JSON.stringify({ name }),
    });
    if (!res.ok) throw new Error(await res.text());
    config.label = (await res.json()).label;
    document.querySelector('h1').textContent = config.label;
    document.title = config.label + ' · Cutline guest';
  }

  async function listDevices() {
    const devices = await navigator.mediaDevices.enumerateDevices();
    for (const [select, kind] of [[$('camera'), 'videoinput'], [$('mic'), 'audioinput']]) {
      const current = select.value;
      select.textContent = '';
      devices.filter((d) => d.kind === kind).forEach((d, i) => {
        const option = document.createElement('option');
        option.value = d.deviceId;
        option.textContent = d.label || (kind === 'videoinput' ? 'Camera ' : 'Microphone ') + (i + 1);
        select.append(option);
      });
      if (current) select.value = current;
    }
  }

${OFFER_EXCHANGE_JS}

  /** Puts one codec first ('h264' or 'vp8'), e.g. for a guest whose machine encodes H.264 in hardware. */
  function preferVideoCodec(transceiver, codec) {
    if (!codec || !transceiver.setCodecPreferences || !window.RTCRtpSender.getCapabilities) return;
    const all = RTCRtpSender.getCapabilities('video').codecs;
    const wanted = all.filter((c) => c.mimeType.toLowerCase() === 'video/' + String(codec).toLowerCase());
    if (wanted.length) transceiver.setCodecPreferences([...wanted, ...all.filter((c) => !wanted.includes(c))]);
  }

  /** What the last Join used (stream, codec), so a rejoin publishes the same thing. */
  let joinOptions = null;
  let reconnectTimer = null;
  let reconnectAttempt = 0;
  let reconnectSince = 0;
  /** The page keeps rejoining this long; the engine keeps the guest's place for webrtc.guestTimeoutS. */
  const RECONNECT_FOR_MS = 5 * 60 * 1000;

  /** Publishes (WHIP) and takes the program return (WHEP); sets publisher/viewer only once both work. */
  /** The ICE servers with their TURN credentials, which the page holds only once its token is checked. */
  async function iceServers() {
    try {
      const res = await fetch('/guest/' + config.publicId + '/ice', { headers: { authorization: 'Bearer ' + token }, cache: 'no-store' });
      if (res.ok) return (await res.json()).iceServers;
    } catch {}
    return config.iceServers;
  }

  async function connect(options) {
    const stream = options.stream || local;
    const ice = await iceServers();
    const pub = new RTCPeerConnection({ iceServers: ice });
    let view = null;
    try {
      for (const track of stream.getTracks()) {
        const transceiver = pub.addTransceiver(track, { direction: 'sendonly' });
        if (track.kind === 'video') preferVideoCodec(transceiver, options.videoCodec || hashParams.get('codec'));
      }
      const whip = await exchangeOffer(location.origin + '/whip/' + config.publicId, pub, token);
      view = new RTCPeerConnection({ iceServers: ice });
      view.addTransceiver('video', { direction: 'recvonly' });
      view.addTransceiver('audio', { direction: 'recvonly' });
      const ret = new MediaStream();
      view.addEventListener('track', (event) => {
        ret.addTrack(event.track);
        $('program').srcObject = ret;
        $('program').play().catch(() => { $('program').muted = true; $('program').play().catch(() => {}); });
      });
      const whep = await exchangeOffer(location.origin + '/whep/' + config.publicId, view, token);
      publisher = pub;
      viewer = view;
      returnStream = ret;
      state.whipSession = whip;
      state.whepSession = whep;
      watchConnection(pub);
      watchConnection(view);
    } catch (error) {
      pub.close();
      view && view.close();
      throw error;
    }
  }

  async function join(options = {}) {
    state.phase = 'joining';
    state.error = null;
    $('join').disabled = true;
    setStatus('Joining…');
    try {
      joinOptions = options;
      await sendName();
      await connect(options);
      state.phase = 'joined';
      state.joinedAt = Date.now();
      setStatus('You are on. The producer decides when you are on screen.');
      $('leave').disabled = false;
      watchTally();
    } catch (error) {
      state.phase = 'error';
      state.error = String(error && error.message || error);
      setStatus('Could not join: ' + state.error);
      $('join').disabled = false;
      throw error;
    }
  }

  /**
   * A dropped connection (Wi-Fi to mobile data, an outage) rejoins by itself: a new WHIP session
   * with the same invite takes over the silent one, so the guest keeps its place on program.
   * 'disconnected' may heal by itself, so it gets a few seconds first; 'failed' rejoins at once.
   */
  function watchConnection(pc) {
    pc.addEventListener('connectionstatechange', () => {
      if (pc !== publisher && pc !== viewer) return;
      const s = pc.connectionState;
      if (s === 'connected' && pc === publisher) backOn();
      else if (s === 'disconnected' && state.phase === 'joined') {
        setStatus('Connection trouble… (reconnecting if it does not come back)');
        setTimeout(() => { if (pc.connectionState === 'disconnected') scheduleReconnect('the connection dropped', 0); }, 3000);
      } else if (s === 'failed') scheduleReconnect('the connection failed', 0);
    });
  }

  function backOn() {
    if (state.phase !== 'reconnecting') return;
    state.phase = 'joined';
    state.reconnects++;
    setStatus('You are back on.');
  }

  function scheduleReconnect(reason, delayMs) {
    if (reconnectTimer || !joinOptions || state.phase === 'left' || state.phase === 'error') return;
    if (state.phase !== 'reconnecting') {
      state.phase = 'reconnecting';
      reconnectSince = Date.now();
      reconnectAttempt = 0;
    }
    setStatus('Reconnecting… (' + reason + ')');
    reconnectTimer = setTimeout(async () => {
      // The old sessions are abandoned, not DELETEd: a DELETE would take the guest off program.
      for (const pc of [publisher, viewer]) pc && pc.close();
      publisher = viewer = null;
      state.whipSession = state.whepSession = null;
      try {
        await connect(joinOptions);
        reconnectTimer = null;
        setStatus('Reconnecting… (signalling done, waiting for the media to flow)');
        if (publisher.connectionState === 'connected') backOn();
        // 'connected' on the new publisher says "you are back"; if it never comes, try again.
        const mine = publisher;
        setTimeout(() => { if (publisher === mine && state.phase === 'reconnecting') { mine.close(); scheduleReconnect('the new connection did not come up', 0); } }, 10000);
      } catch (error) {
        reconnectTimer = null;
        reconnectAttempt++;
        const why = String(error && error.message || error);
        if (Date.now() - reconnectSince > RECONNECT_FOR_MS || /revoked|404|401/.test(why)) {
          state.phase = 'error';
          state.error = why;
          setStatus('Could not reconnect: ' + why + '. Ask the producer for a new link.');
          $('join').disabled = false;
          return;
        }
        // Backoff with jitter, so many guests behind one outage do not return in lockstep.
        scheduleReconnect(why, Math.min(10000, 1000 * 2 ** reconnectAttempt) * (0.75 + Math.random() * 0.5));
      }
    }, delayMs);
  }

  async function leave() {
    joinOptions = null;
    clearInterval(tallyTimer);
    clearTimeout(reconnectTimer);
    reconnectTimer = null;
    for (const url of [state.whipSession, state.whepSession]) {
      if (url) await fetch(url, { method: 'DELETE', headers: { authorization: 'Bearer ' + token } }).catch(() => {});
    }
    publisher && publisher.close();
    viewer && viewer.close();
    state.whipSession = state.whepSession = null;
    state.phase = 'left';
    $('leave').disabled = true;
    $('join').disabled = false;
    setStatus('You left. Join again whenever you like.');
  }

  /** Records the return audio (channel 0) for a while; resolves with the samples and their rate. */
  async function recordReturnAudio(seconds) {
    const ctx = new AudioContext({ sampleRate: 48000 });
    await ctx.resume();
    const source = ctx.createMediaStreamSource(returnStream);
    const processor = ctx.createScriptProcessor(4096, 1, 1);
    const chunks = [];
    const wanted = Math.round(seconds * ctx.sampleRate);
    let have = 0;
    return new Promise((resolve) => {
      processor.onaudioprocess = (event) => {
        if (have >= wanted) return;
        const data = event.inputBuffer.getChannelData(0);
        chunks.push(Array.from(data));
        have += data.length;
        if (have >= wanted) {
          processor.disconnect();
          source.disconnect();
          ctx.close();
          resolve({ sampleRate: ctx.sampleRate, samples: chunks.flat().slice(0, wanted) });
        }
      };
      source.connect(processor);
      processor.connect(ctx.destination);
    });
  }

  // ---- chat and poll over the objects WebSocket (/objects/ws, the same token) ----
  const live = { connected: false, chat: null, poll: null, lastError: null, votedFor: null };
  let socket = null;
  let nextRequest = 1;
  const pending = new Map();

  function request(command, params) {
    return new Promise((resolve, reject) => {
      if (!socket || socket.readyState !== WebSocket.OPEN) return reject(new Error('not connected'));
      const requestId = nextRequest++;
      pending.set(requestId, { resolve, reject });
      socket.send(JSON.stringify({ type: 'request', requestId, command, params }));
    });
  }

  function showLiveError(error) {
    live.lastError = error && (error.reason || error.code) ? error : { message: String(error && error.message || error) };
    $('liveStatus').textContent = live.lastError.message || '';
  }

  function renderChat() {
    const log = $('chatLog');
    log.textContent = '';
    $('chatSend').disabled = !live.chat;
    if (!live.chat) return;
    for (const m of live.chat.state.messages.slice(-30)) {
      const li = document.createElement('li');
      const who = document.createElement('b');
      who.textContent = m.author;
      li.append(who, document.createTextNode(m.text));
      log.append(li);
    }
    log.scrollTop = log.scrollHeight;
  }

  function renderPoll() {
    const box = $('pollOptions');
    box.textContent = '';
    const p = live.poll && live.poll.state;
    if (!p || p.status === 'idle') { $('pollQuestion').textContent = 'No poll right now.'; return; }
    $('pollQuestion').textContent = p.question + (p.status === 'closed' ? ' (closed)' : '');
    p.options.forEach((o, i) => {
      const b = document.createElement('button');
      b.type = 'button';
      b.dataset.option = String(i);
      b.textContent = o.text + (p.showResults || p.revealed ? '  ' + o.percent + '%' : '') + (live.votedFor === i ? '  ✓' : '');
      b.disabled = p.status !== 'open' || live.votedFor !== null;
      b.addEventListener('click', () => vote(i).catch(() => {}));
      box.append(b);
    });
  }

  function track(object) {
    if (object.type === 'chat' && (!live.chat || live.chat.id === object.id)) { live.chat = object; renderChat(); }
    if (object.type === 'poll' && (!live.poll || live.poll.id === object.id)) {
      if (live.poll && live.poll.state.status !== 'open' && object.state.status === 'open') live.votedFor = null;
      live.poll = object;
      renderPoll();
    }
  }

  async function loadObjects() {
    const list = await request('object.list', {});
    for (const type of ['chat', 'poll']) {
      const first = list.find((o) => o.type === type);
      if (first) track(await request('object.get', { id: first.id }));
    }
  }

  function connectObjects() {
    if (!token) return;
    const url = (location.protocol === 'https:' ? 'wss://' : 'ws://') + location.host + '/objects/ws';
    // A browser cannot set headers on a WebSocket: the token rides as a subprotocol, not in the URL.
    const tokenProtocol = ${JSON.stringify(WS_TOKEN_PROTOCOL_PREFIX)} + btoa(token).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
    socket = new WebSocket(url, [${JSON.stringify(WS_PROTOCOL)}, tokenProtocol]);
    socket.addEventListener('open', () => { live.connected = true; loadObjects().catch(showLiveError); });
    socket.addEventListener('message', (event) => {
      const m = JSON.parse(event.data);
      if (m.type === 'response') {
        const p = pending.get(m.requestId);
        pending.delete(m.requestId);
        if (p) m.ok ? p.resolve(m.result) : p.reject(m.error);
      } else if (m.type === 'event') {
        const d = m.data;
        if (m.event === 'object.changed' || m.event === 'object.created') track({ id: d.id, type: d.type, version: d.version, state: d.state });
        if (m.event === 'object.deleted') {
          if (live.chat && live.chat.id === d.id) { live.chat = null; renderChat(); }
          if (live.poll && live.poll.id === d.id) { live.poll = null; renderPoll(); }
        }
      }
    });
    socket.addEventListener('close', (event) => {
      live.connected = false;
      for (const p of pending.values()) p.reject(new Error('disconnected'));
      pending.clear();
      if (event.code === 4401) { showLiveError({ message: 'Chat and polls: this link is no longer valid.' }); return; }
      setTimeout(connectObjects, 3000);
    });
  }

  async function post(text) {
    try {
      const result = await request('object.op', { id: live.chat.id, op: 'post', args: { author: config.label, text } });
      $('liveStatus').textContent = '';
      return result;
    } catch (error) { showLiveError(error); throw error; }
  }

  async function vote(option) {
    try {
      const result = await request('object.op', { id: live.poll.id, op: 'vote', args: { voter: config.publicId, option } });
      live.votedFor = option;
      $('liveStatus').textContent = '';
      renderPoll();
      return result;
    } catch (error) {
      if (error && error.reason === 'already_voted') { live.votedFor = option; renderPoll(); }
      showLiveError(error);
      throw error;
    }
  }

  $('chatForm').addEventListener('submit', (event) => {
    event.preventDefault();
    const text = $('chatText').value.trim();
    if (!text || !live.chat) return;
    post(text).then(() => { $('chatText').value = ''; }).catch(() => {});
  });
  connectObjects();

  window.cutlineGuest = { state, join, leave, recordReturnAudio, live, post, vote, get returnStream() { return returnStream; }, get publisher() { return publisher; }, get viewer() { return viewer; } };

  $('join').addEventListener('click', () => join().catch(() => {}));
  $('leave').addEventListener('click', () => leave());
  $('camera').addEventListener('change', () => openDevices().catch((e) => setStatus(String(e))));
  $('mic').addEventListener('change', () => openDevices().catch((e) => setStatus(String(e))));
  openDevices()
    .then(listDevices)
    .then(() => { $('join').disabled = false; setStatus(token ? 'Ready. Press Join when you are.' : 'This link has no token: ask the producer for a new one.'); state.phase = 'ready'; })
    .catch((error) => { setStatus('Not ready: ' + deviceProblem(error)); state.phase = 'ready'; state.deviceError = deviceProblem(error); $('join').disabled = false; });
})();
`;
