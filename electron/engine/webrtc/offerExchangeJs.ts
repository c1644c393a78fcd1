/**
 * Browser code the guest page and the viewer page share, inserted into their scripts: send a WHIP
 * or WHEP offer once ICE gathering is done (no trickle ICE: the engine's answer carries every
 * candidate) and apply the answer. Plain script, no imports: it runs in the page.
 *
 * exchangeOffer(url, pc, token) → the session URL (the answer's Location, for DELETE).
 */
export const OFFER_EXCHANGE_JS = String.raw`
  function waitGathered(pc) {
    if (pc.iceGatheringState === 'complete') return Promise.resolve();
    return new Promise((resolve) => {
      const timer = setTimeout(resolve, 2000);
      pc.addEventListener('icegatheringstatechange', () => {
        if (pc.iceGatheringState === 'complete') { clearTimeout(timer); resolve(); }
      });
    });
  }

  async function exchangeOffer(url, pc, token) {
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
`;
