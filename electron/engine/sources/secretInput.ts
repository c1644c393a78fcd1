/**
 * How a source URL that carries a secret (an RTSP camera's `user:pass@`, an SRT `?passphrase=`)
 * reaches ffmpeg without being on its command line, where every user of the machine reads it with
 * `ps`: the decoder opens `pipe:0` with the concat demuxer, and Cutline writes a one-entry ffconcat
 * script naming the URL to its stdin and closes it. The secret is then only in the two processes'
 * memory: not in argv, not in a file, not in the environment. docs/SECURITY.md ("Never on a
 * command line").
 */
import { CREDENTIAL_SCHEMES, protocolWhitelistFor, urlCredentials } from '../files/MediaAccess.ts';

function schemeOf(url: string): string | undefined {
  return /^([a-z][a-z0-9+.-]*):/i.exec(url)?.[1]?.toLowerCase();
}

/** True when this URL must go through stdin (it carries credentials and its scheme allows it). */
export function needsSecretInput(url: string): boolean {
  const scheme = schemeOf(url);
  return scheme !== undefined && CREDENTIAL_SCHEMES.includes(scheme) && urlCredentials(url) !== undefined;
}

/**
 * The decoder's input arguments: the concat demuxer on stdin. `-safe 0` lets the script name a
 * URL (it is ours, one line); the whitelist is still the scheme's own protocols, plus the pipe.
 */
export function secretInputArgs(url: string): string[] {
  return ['-f', 'concat', '-safe', '0', '-protocol_whitelist', `pipe,${protocolWhitelistFor(url)}`, '-i', 'pipe:0'];
}

/** What is written to the decoder's stdin: the URL, and the options that would have been flags. */
export function ffconcatScript(url: string): string {
  // ffconcat quoting: inside '…' only ' needs escaping, as '\''.
  const quoted = `'${url.replace(/'/g, "'\\''")}'`;
  const lines = ['ffconcat version 1.0', `file ${quoted}`];
  if (schemeOf(url) === 'rtsp') lines.push('option rtsp_transport tcp');
  return `${lines.join('\n')}\n`;
}
