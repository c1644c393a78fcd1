/** The control surface's checks, rule by rule, on plain headers (the e2e proof is test/security/). */
import { describe, expect, it } from 'vitest';
import { ControlGuard, presentedToken, resolveApiToken, sameToken, splitHost, TokenError } from '../../electron/engine/server/requestGuard.ts';

const guard = (over: Partial<ConstructorParameters<typeof ControlGuard>[0]> = {}) =>
  new ControlGuard({ boundHost: '127.0.0.1', port: 7710, allowedHosts: [], token: undefined, ...over });

describe('requestGuard', () => {
  it('Host: our own names with our port pass; other names, other ports and junk get 421', () => {
    const g = guard({ allowedHosts: ['studio.example.com', 'desk.lan:5173'] });
    for (const host of ['127.0.0.1:7710', 'localhost:7710', 'LOCALHOST:7710', '[::1]:7710', 'studio.example.com', 'studio.example.com:443', 'desk.lan:5173'])
      expect(g.checkSite({ host }), host).toBeUndefined();
    for (const host of ['evil.example:7710', '127.0.0.1:7711', 'localhost', 'desk.lan:5174', 'studio.example.com.evil.example', '', 'a b', 'user@127.0.0.1:7710'])
      expect(g.checkSite({ host })?.status, host).toBe(421);
  });

  it('Host: an IPv6 bind names itself in brackets; port 80 may be left out', () => {
    expect(guard({ boundHost: '::1', port: 80 }).checkSite({ host: '[::1]' })).toBeUndefined();
    expect(guard({ boundHost: '::1', port: 80 }).checkSite({ host: 'localhost' })).toBeUndefined();
  });

  it('Origin: absent passes; one of our hosts passes; another site, null, or a non-web scheme gets 403', () => {
    const g = guard();
    expect(g.checkSite({ host: '127.0.0.1:7710' })).toBeUndefined();
    expect(g.checkSite({ host: '127.0.0.1:7710', origin: 'http://localhost:7710' })).toBeUndefined();
    for (const origin of ['http://evil.example', 'http://evil.example:7710', 'null', 'file://', 'chrome-extension://abc', 'http://127.0.0.1:5173', 'not a url'])
      expect(g.checkSite({ host: '127.0.0.1:7710', origin })?.status, origin).toBe(403);
  });

  it('token: none needed on loopback, needed behind a proxy and off loopback, and checked when set', () => {
    expect(guard().checkToken({})).toBeUndefined();
    expect(guard().checkToken({ 'x-forwarded-for': '1.2.3.4' })?.status).toBe(401);
    expect(guard().checkToken({ forwarded: 'for=1.2.3.4' })?.message).toMatch(/proxy/);
    expect(guard({ boundHost: '0.0.0.0' }).checkToken({})?.status).toBe(401);
    const g = guard({ token: 'correct-horse' });
    expect(g.checkToken({})?.status).toBe(401);
    expect(g.checkToken({ authorization: 'Bearer correct-hors' })?.status).toBe(401);
    expect(g.checkToken({ authorization: 'Bearer correct-horse' })).toBeUndefined();
    expect(g.checkToken({ 'sec-websocket-protocol': `cutline.v1, cutline.token.${Buffer.from('correct-horse').toString('base64url')}` })).toBeUndefined();
    expect(g.checkToken({ authorization: 'Basic correct-horse' })?.status).toBe(401);
  });

  it('reads the token from Bearer or the subprotocol; compares in constant time without length shortcuts', () => {
    expect(presentedToken({ authorization: 'Bearer abc' })).toBe('abc');
    expect(presentedToken({ 'sec-websocket-protocol': `cutline.v1,cutline.token.${Buffer.from('ä/+').toString('base64url')}` })).toBe('ä/+');
    expect(presentedToken({ 'sec-websocket-protocol': 'cutline.v1' })).toBeUndefined();
    expect(sameToken('abc', 'abc')).toBe(true);
    expect(sameToken('abc', 'abcd')).toBe(false);
    expect(sameToken('', 'abc')).toBe(false);
  });

  it('--token: empty and short are refused with what to do; auto generates a long one', () => {
    expect(() => resolveApiToken('')).toThrow(TokenError);
    expect(() => resolveApiToken('   ')).toThrow(/--token auto/);
    expect(() => resolveApiToken('short')).toThrow(/at least 8 characters/);
    expect(resolveApiToken(undefined)).toEqual({ token: undefined, generated: false });
    const auto = resolveApiToken('auto');
    expect(auto.generated).toBe(true);
    expect(auto.token).toMatch(/^[A-Za-z0-9_-]{43}$/);
    expect(resolveApiToken('auto').token).not.toBe(auto.token);
  });

  it('POST bodies must be declared JSON', () => {
    expect(ControlGuard.checkJsonBody({ 'content-type': 'application/json' })).toBeUndefined();
    expect(ControlGuard.checkJsonBody({ 'content-type': 'application/json; charset=utf-8' })).toBeUndefined();
    for (const type of [undefined, 'text/plain', 'application/x-www-form-urlencoded', 'multipart/form-data; boundary=x', 'application/jsonp'])
      expect(ControlGuard.checkJsonBody(type ? { 'content-type': type } : {})?.status, String(type)).toBe(415);
  });

  it('splitHost parses names, IPv4, bracketed IPv6 and ports', () => {
    expect(splitHost('Example.COM:8080')).toEqual({ hostname: 'example.com', port: 8080 });
    expect(splitHost('[::1]:7710')).toEqual({ hostname: '[::1]', port: 7710 });
    expect(splitHost('10.0.0.2', 443)).toEqual({ hostname: '10.0.0.2', port: 443 });
    expect(splitHost('a:b:c')).toBeUndefined();
  });
});
