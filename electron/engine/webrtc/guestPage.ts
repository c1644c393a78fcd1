/**
 * The guest page: plain HTML + JS served by the engine (not the React app), so a commentator needs
 * nothing but a link. Pick camera and microphone, see yourself, join (WHIP publish), then see and
 * hear the program back (WHEP, mix-minus: without your own voice). The token travels in the URL
 * fragment, which browsers never send to a server or put in its logs.
 *
 * `window.cutlineGuest` lets tests and the latency bench drive the page (join with a given stream,
 * record the return audio).
 */

export function guestPageHtml(id: string, label: string, iceServers: unknown[]): string {
  const config = JSON.stringify({ id, label, iceServers }).replace(/</g, '\\u003c');
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
</style>
</head>
<body>
<main>
  <h1>${title}</h1>
  <div class="row">
    <label>Camera <select id="camera"></select></label>
    <label>Microphone <select id="mic"></select></label>
  </div>
  <div class="views">
    <div><video id="self" autoplay playsinline muted></video><div>You</div></div>
    <div><video id="program" autoplay playsinline></video><div>Program (you hear everyone but yourself)</div></div>
  </div>
  <div class="row">
    <button id="join" disabled>Join</button>
    <button id="leave" disabled>Leave</button>
    <span id="status" role="status">Allow the camera and microphone to start.</span>
  </div>
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
  const token = new URLSearchParams(location.hash.slice(1)).get('token') || '';
  const $ = (id) => document.getElementById(id);
  const state = { phase: 'idle', error: null, whipSession: null, whepSession: null, joinedAt: 0 };
  let local = null;
  let publisher = null;
  let viewer = null;
  let returnStream = null;

  const setStatus = (text) => { $('status').textContent = text; };

  async function openDevices() {
    const video = $('camera').value ? { deviceId: { exact: $('camera').value } } : true;
    const audio = $('mic').value ? { deviceId: { exact: $('mic').value } } : true;
    if (local) local.getTracks().forEach((t) => t.stop());
    local = await navigator.mediaDevices.getUserMedia({ video, audio });
    $('self').srcObject = local;
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

  function waitGathered(pc) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
      });
    });
  }

  async function exchange(url, pc) {
    await pc.setLocalDescription(await pc.createOffer());
    await waitGathered(pc);
    const response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/sdp', authorization: 'Bearer ' + token },
      body: pc.localDescription.sdp,
    });
    const body = await response.text();
    if (response.status !== 201) throw new Error(body || ('HTTP ' + response.status));
    await pc.setRemoteDescription({ type: 'answer', sdp: body });
    return new URL(response.headers.get('location'), url).toString();
  }

  async function join(options = {}) {
    state.phase = 'joining';
    state.error = null;
    $('join').disabled = true;
    setStatus('Joining…');
    try {
      const stream = options.stream || local;
      publisher = new RTCPeerConnection({ iceServers: config.iceServers });
      for (const track of stream.getTracks()) publisher.addTransceiver(track, { direction: 'sendonly' });
      state.whipSession = await exchange(location.origin + '/whip/' + encodeURIComponent(config.id), publisher);
      viewer = new RTCPeerConnection({ iceServers: config.iceServers });
      viewer.addTransceiver('video', { direction: 'recvonly' });
      viewer.addTransceiver('audio', { direction: 'recvonly' });
      returnStream = new MediaStream();
      viewer.addEventListener('track', (event) => {
        returnStream.addTrack(event.track);
        $('program').srcObject = returnStream;
        $('program').play().catch(() => { $('program').muted = true; $('program').play().catch(() => {}); });
      });
      state.whepSession = await exchange(location.origin + '/whep/' + encodeURIComponent(config.id), viewer);
      state.phase = 'joined';
      state.joinedAt = Date.now();
      setStatus('You are on. The producer decides when you are on screen.');
      $('leave').disabled = false;
      publisher.addEventListener('connectionstatechange', () => {
        if (['failed', 'disconnected'].includes(publisher.connectionState)) setStatus('Connection trouble: ' + publisher.connectionState + '…');
        if (publisher.connectionState === 'connected') setStatus('You are on.');
      });
    } catch (error) {
      state.phase = 'error';
      state.error = String(error && error.message || error);
      setStatus('Could not join: ' + state.error);
      $('join').disabled = false;
      throw error;
    }
  }

  async function leave() {
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

  window.cutlineGuest = { state, join, leave, recordReturnAudio, get returnStream() { return returnStream; }, get publisher() { return publisher; }, get viewer() { return viewer; } };

  $('join').addEventListener('click', () => join().catch(() => {}));
  $('leave').addEventListener('click', () => leave());
  $('camera').addEventListener('change', () => openDevices().catch((e) => setStatus(String(e))));
  $('mic').addEventListener('change', () => openDevices().catch((e) => setStatus(String(e))));
  openDevices()
    .then(listDevices)
    .then(() => { $('join').disabled = false; setStatus(token ? 'Ready. Press Join when you are.' : 'This link has no token: ask the producer for a new one.'); state.phase = 'ready'; })
    .catch((error) => { setStatus('No camera or microphone: ' + error.message); state.phase = 'ready'; $('join').disabled = false; });
})();
`;
