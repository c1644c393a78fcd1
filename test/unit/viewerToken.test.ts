/** Viewer JWTs (HS256, node:crypto): what is accepted, and why everything else is refused. */
import { describe, expect, it } from 'vitest';
import { isJwtShaped, mintViewerToken, newAudienceKey, verifyViewerToken } from '../../electron/engine/objects/viewerToken.ts';

const key = newAudienceKey();
const now = 1_800_000_000;

describe('viewer tokens', () => {
  it('accepts a token it minted and returns its claims', () => {
    const token = mintViewerToken({ sub: 'user-1', name: 'Ann', exp: now + 60 }, key);
    expect(isJwtShaped(token)).toBe(true);
    expect(verifyViewerToken(token, key, now)).toEqual({ ok: true, claims: { sub: 'user-1', name: 'Ann', exp: now + 60 } });
  });

  it('allows 30 s of clock skew past exp, not more', () => {
    const token = mintViewerToken({ sub: 'u', exp: now }, key);
    expect(verifyViewerToken(token, key, now + 29).ok).toBe(true);
    expect(verifyViewerToken(token, key, now + 31)).toMatchObject({ ok: false, why: expect.stringMatching(/expired/) });
  });

  it('refuses without an audience key, an oversized token, and a different key', () => {
    const token = mintViewerToken({ sub: 'u', exp: now + 60 }, key);
    expect(verifyViewerToken(token, undefined, now)).toMatchObject({ ok: false, why: expect.stringMatching(/no audience key/) });
    expect(verifyViewerToken(`${token}${'a'.repeat(3000)}`, key, now)).toMatchObject({ ok: false, why: expect.stringMatching(/longer than/) });
    expect(verifyViewerToken(token, newAudienceKey(), now)).toMatchObject({ ok: false, why: expect.stringMatching(/signature/) });
  });

  it('refuses a too-long sub or name', () => {
    expect(verifyViewerToken(mintViewerToken({ sub: 'x'.repeat(129), exp: now + 60 }, key), key, now).ok).toBe(false);
    expect(verifyViewerToken(mintViewerToken({ sub: 'x', name: 'n'.repeat(65), exp: now + 60 }, key), key, now).ok).toBe(false);
  });
});
