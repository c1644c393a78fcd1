/**
 * `cutline secrets list | bind ID | remove ID`: the headless secret store (the 0600 secrets file,
 * secrets/SecretStore.ts) from the command line. Keys stored before keys were bound to their
 * destination (an id → key file) are sent nowhere until bound here — or with `secret.confirm`
 * over the API, or by entering the key again (docs/SECURITY.md, "Secrets").
 *   list                          ids, masked keys and where each is bound (never a whole key)
 *   bind ID --show FILE           bind ID's key to the destination ID of that show (kind + host)
 *   bind ID --url URL [--kind K]  ... or to this URL (kind from the scheme: rtmp(s), http(s) → whip, srt)
 *   remove ID                     forget ID's key
 */
import { readFileSync } from 'node:fs';
import { DestinationSpec, describeZodError } from '../../shared/show.ts';
import { BoundSecrets } from '../engine/secrets/BoundSecrets.ts';
import { defaultSecretsFile, FileSecretStore } from '../engine/secrets/SecretStore.ts';

type Out = { write(text: string): void };

function kindOf(url: string): 'rtmp' | 'whip' | 'srt' | undefined {
  if (/^rtmps?:/i.test(url)) return 'rtmp';
  if (/^https?:/i.test(url)) return 'whip';
  if (/^srt:/i.test(url)) return 'srt';
  return undefined;
}

/** Runs the subcommand; returns an error message (for exit code 2) or undefined. */
export function secretsCommand(args: string[], values: Record<string, unknown>, out: Out, file = defaultSecretsFile()): string | undefined {
  const [action, id] = args;
  const store = new FileSecretStore(file, (line) => out.write(`${line}\n`));
  const secrets = new BoundSecrets(store);
  switch (action) {
    case 'list': {
      const ids = store.ids();
      if (ids.length === 0) out.write(`No keys stored in ${file}.\n`);
      for (const stored of ids) {
        const info = secrets.describe(stored, store.get(stored) ?? '', 'store');
        out.write(`${info.id}\t${info.masked}\t${info.bound ? `bound to ${info.origin} (${info.kind})` : `NOT BOUND: sent nowhere until you run cutline secrets bind ${info.id} --show FILE`}\n`);
      }
      for (const name of Object.keys(process.env).filter((n) => /^CUTLINE_(STREAM_KEY|WHIP_TOKEN|SRT_PASSPHRASE)_/.test(n)))
        out.write(`${name}\t(environment)\tbound to the destination of that id in the show the engine starts with\n`);
      return undefined;
    }
    case 'bind':
    case 'confirm': {
      if (!id) return 'secrets bind needs a destination id: cutline secrets bind ID --show FILE (or --url URL)';
      let spec: unknown;
      if (typeof values.show === 'string') {
        let show: { destinations?: { id?: unknown }[] };
        try {
          show = JSON.parse(readFileSync(values.show, 'utf8')) as typeof show;
        } catch (error) {
          return `cannot read ${values.show} as a show (${(error as NodeJS.ErrnoException).code ?? 'not JSON'})`;
        }
        spec = show.destinations?.find((d) => d.id === id);
        if (!spec) return `${values.show} has no destination "${id}"`;
      } else if (typeof values.url === 'string') {
        const kind = (values.kind as string | undefined) ?? kindOf(values.url);
        spec = { id, kind, url: values.url };
      } else return 'say which destination the key is for: --show FILE (its destination with that id) or --url URL';
      const parsed = DestinationSpec.safeParse(spec);
      if (!parsed.success) return `not a destination: ${describeZodError(parsed.error)}`;
      try {
        const result = secrets.confirm(parsed.data);
        out.write(`The key for '${id}' is bound to ${result.boundTo} (${parsed.data.kind}): only that destination gets it.\n`);
      } catch (error) {
        return (error as Error).message;
      }
      return undefined;
    }
    case 'remove':
      if (!id) return 'secrets remove needs a destination id';
      if (store.get(id) === undefined) return `no key is stored for '${id}'`;
      store.delete(id);
      out.write(`Removed the key for '${id}'.\n`);
      return undefined;
    default:
      return 'usage: cutline secrets list | bind ID --show FILE | bind ID --url URL [--kind rtmp|whip|srt] | remove ID';
  }
}
