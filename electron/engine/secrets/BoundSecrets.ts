/**
 * A stored stream key, WHIP token or SRT passphrase is released only to the destination it was
 * stored for: the same id, the same kind and the same host (docs/SECURITY.md, "Secrets").
 * Found by id alone, a show file or API client declaring `{id: "youtube", kind: "whip", url:
 * "http://evil/"}` would send the producer's YouTube key to evil as a bearer token.
 *
 * Values in the store (the headless secrets file, the desktop keychain file) are strings: a bound
 * one is JSON `{"v":2,"secret","kind","host","origin"}`; anything else is a legacy secret, stored
 * before secrets were bound, which is released only once the producer confirms it for a
 * destination (`cutline secrets bind`, `secret.confirm`). Environment secrets
 * (CUTLINE_STREAM_KEY_<ID>, ...) are bound by their name to a kind, and to the host of the
 * destination with that id in the show the engine started with (the producer launched both);
 * elsewhere they too need a confirmation, which lasts for the run.
 */
import { ProtocolError } from '../../../shared/protocol.ts';
import { DestinationSpec as DestinationSpecSchema, type DestinationSpec } from '../../../shared/show.ts';
import { maskSecret } from '../redact.ts';
import { type SecretStore, secretEnvName } from './SecretStore.ts';

export interface SecretBinding {
  kind: DestinationSpec['kind'];
  /** host[:port], lower case. */
  host: string;
  /** scheme://host[:port], for messages. */
  origin: string;
}

interface BoundValue extends SecretBinding {
  v: 2;
  secret: string;
}

const DEFAULT_PORTS: Record<string, string> = { 'rtmp:': '1935', 'rtmps:': '443' };

/** Where a destination sends its secret; undefined for recordings (no secret) or an unparsable URL. */
export function bindingFor(spec: DestinationSpec): SecretBinding | undefined {
  if (spec.kind === 'recording') return undefined;
  try {
    const url = new URL(spec.url);
    // rtmps://h:443/… and rtmps://h/… are the same place (URL drops default ports only for http(s)).
    const host = url.port && DEFAULT_PORTS[url.protocol] === url.port ? url.hostname.toLowerCase() : url.host.toLowerCase();
    return { kind: spec.kind, host, origin: `${url.protocol}//${host}` };
  } catch {
    return undefined;
  }
}

const isReal = (v: string | undefined): v is string => Boolean(v && !v.startsWith('****'));

/** The secret a spec carries itself (not a masked one from the state API). */
export function ownSecret(spec: DestinationSpec): string | undefined {
  if (spec.kind === 'rtmp') return isReal(spec.streamKey) ? spec.streamKey : undefined;
  if (spec.kind === 'whip') return isReal(spec.token) ? spec.token : undefined;
  if (spec.kind === 'srt') return isReal(spec.passphrase) ? spec.passphrase : undefined;
  return undefined;
}

export function withOwnSecret(spec: DestinationSpec, secret: string): DestinationSpec {
  if (spec.kind === 'rtmp') return { ...spec, streamKey: secret };
  if (spec.kind === 'whip') return { ...spec, token: secret };
  if (spec.kind === 'srt') return { ...spec, passphrase: secret };
  return spec;
}

/** The string to store for a secret bound to a destination. */
export function encodeBoundSecret(secret: string, binding: SecretBinding): string {
  const value: BoundValue = { v: 2, secret, kind: binding.kind, host: binding.host, origin: binding.origin };
  return JSON.stringify(value);
}

export function decodeStoredSecret(value: string): { secret: string; binding?: SecretBinding } {
  if (value.startsWith('{')) {
    try {
      const parsed = JSON.parse(value) as Partial<BoundValue>;
      if (parsed.v === 2 && typeof parsed.secret === 'string' && typeof parsed.kind === 'string' && typeof parsed.host === 'string')
        return { secret: parsed.secret, binding: { kind: parsed.kind, host: parsed.host, origin: parsed.origin ?? parsed.host } };
    } catch {
      // a legacy secret that happens to start with "{"
    }
  }
  return { secret: value };
}

const sameBinding = (a: SecretBinding, b: SecretBinding) => a.kind === b.kind && a.host === b.host;

export type Released = { spec: DestinationSpec; error?: undefined } | { spec: DestinationSpec; error: string };

export interface StoredSecretInfo {
  id: string;
  /** ****abcd */
  masked: string;
  source: 'store' | 'environment';
  kind?: string;
  origin?: string;
  bound: boolean;
}

export class BoundSecrets {
  /** Environment secrets bound for this run: id → binding. */
  private readonly envBindings = new Map<string, SecretBinding>();

  constructor(
    readonly store: SecretStore & { list?(): string[] },
    private readonly env: NodeJS.ProcessEnv = {},
  ) {}

  private fromEnv(kind: DestinationSpec['kind'], id: string): string | undefined {
    const name = secretEnvName(kind, id);
    return (name && this.env[name]) || undefined;
  }

  /** The spec with its secret when it has none of its own and one is stored for exactly it; else an error saying why not. */
  release(spec: DestinationSpec): Released {
    if (spec.kind === 'recording' || ownSecret(spec)) return { spec };
    const binding = bindingFor(spec);
    const envSecret = this.fromEnv(spec.kind, spec.id);
    if (envSecret) {
      const bound = this.envBindings.get(spec.id);
      if (bound && binding && sameBinding(bound, binding)) return { spec: withOwnSecret(spec, envSecret) };
      if (bound) return { spec, error: `the stored key for '${spec.id}' belongs to ${bound.origin}; enter a key for this destination` };
      return { spec, error: `the key for '${spec.id}' in ${secretEnvName(spec.kind, spec.id)} is not tied to a destination yet: confirm it for ${binding?.origin ?? spec.url} (secret.confirm {destinationId: "${spec.id}"}), or enter the key for this destination` };
    }
    const stored = this.store.get(spec.id);
    if (!stored) return { spec };
    const { secret, binding: storedFor } = decodeStoredSecret(stored);
    if (!storedFor)
      return {
        spec,
        error: `the stored key for '${spec.id}' was saved before keys were tied to their destination: confirm it for ${binding?.origin ?? spec.url} (\`cutline secrets bind ${spec.id}\`, or secret.confirm {destinationId: "${spec.id}"}), or enter the key for this destination`,
      };
    if (!binding || !sameBinding(storedFor, binding)) return { spec, error: `the stored key for '${spec.id}' belongs to ${storedFor.origin}; enter a key for this destination` };
    return { spec: withOwnSecret(spec, secret) };
  }

  /** Keeps a destination's own secret, bound to it (the desktop app after destination.add). */
  remember(spec: DestinationSpec): void {
    const secret = ownSecret(spec);
    const binding = bindingFor(spec);
    if (secret && binding) this.store.set(spec.id, encodeBoundSecret(secret, binding));
  }

  /** The producer says the stored (legacy or environment) secret of this id is for this destination. */
  confirm(spec: DestinationSpec): { destinationId: string; boundTo: string } {
    const binding = bindingFor(spec);
    if (!binding) throw new ProtocolError('invalid_params', `destination "${spec.id}" takes no secret`);
    if (this.fromEnv(spec.kind, spec.id)) {
      this.envBindings.set(spec.id, binding);
      return { destinationId: spec.id, boundTo: binding.origin };
    }
    const stored = this.store.get(spec.id);
    if (!stored) throw new ProtocolError('not_found', `no key is stored for '${spec.id}': enter one with the destination`);
    const { secret, binding: storedFor } = decodeStoredSecret(stored);
    if (storedFor && !sameBinding(storedFor, binding))
      throw new ProtocolError('conflict', `the stored key for '${spec.id}' belongs to ${storedFor.origin}; it is not moved to ${binding.origin}: enter a key for this destination`);
    this.store.set(spec.id, encodeBoundSecret(secret, binding));
    return { destinationId: spec.id, boundTo: binding.origin };
  }

  /** Binds environment secrets to the destinations of the show the producer started the engine with. */
  trustStartupShow(destinations: DestinationSpec[]): void {
    for (const spec of destinations) {
      const binding = bindingFor(spec);
      if (binding && spec.kind !== 'recording' && this.fromEnv(spec.kind, spec.id)) this.envBindings.set(spec.id, binding);
    }
  }

  describe(id: string, value: string, source: StoredSecretInfo['source']): StoredSecretInfo {
    const { secret, binding } = decodeStoredSecret(value);
    return { id, masked: maskSecret(secret), source, bound: Boolean(binding), ...(binding ? { kind: binding.kind, origin: binding.origin } : {}) };
  }
}

/**
 * After a successful destination.add (a protocol session, the desktop app): keep its own secret
 * bound to that destination, where the engine looks for it whenever a destination without a key
 * starts. A masked value ("****abcd", what the state API shows) is never a real key and is not kept.
 */
export function rememberDestinationSecret(spec: unknown, store: SecretStore): void {
  const parsed = DestinationSpecSchema.safeParse(spec);
  if (parsed.success) new BoundSecrets(store).remember(parsed.data);
}

/** After a successful destination.remove: its key goes too. */
export function forgetDestinationSecret(params: unknown, store: SecretStore): void {
  const id = (params as { id?: unknown } | null)?.id;
  if (typeof id === 'string') store.delete(id);
}
