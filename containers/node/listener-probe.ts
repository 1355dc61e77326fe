/**
 * The self-connect probe behind /healthz/<listener>: connects to one of this node's own mail
 * listeners, waits for the protocol's greeting and says goodbye. A greeting proves the accept loop
 * and the session start work (not only that the kernel completes handshakes, which a TCP health
 * check would see even with a hung listener).
 */
import net from 'node:net';
import tls from 'node:tls';
import { NetworkList } from '../net/ip-match';
import { encodeProxyV2 } from '../net/proxy-protocol';

export type ListenerId =
  'smtp' | 'submission' | 'submissions' | 'imap' | 'imaps' | 'pop3' | 'pop3s' | 'managesieve';

interface Dialect {
  implicitTls: boolean;
  greeting: RegExp;
  goodbye: string;
}

const DIALECTS: Record<ListenerId, Dialect> = {
  smtp: { implicitTls: false, greeting: /^220[ -]/, goodbye: 'QUIT\r\n' },
  submission: { implicitTls: false, greeting: /^220[ -]/, goodbye: 'QUIT\r\n' },
  submissions: { implicitTls: true, greeting: /^220[ -]/, goodbye: 'QUIT\r\n' },
  imap: { implicitTls: false, greeting: /^\* OK/, goodbye: 'p LOGOUT\r\n' },
  imaps: { implicitTls: true, greeting: /^\* OK/, goodbye: 'p LOGOUT\r\n' },
  pop3: { implicitTls: false, greeting: /^\+OK/, goodbye: 'QUIT\r\n' },
  pop3s: { implicitTls: true, greeting: /^\+OK/, goodbye: 'QUIT\r\n' },
  // RFC 5804 §1.7: the greeting is the capability list, IMPLEMENTATION first.
  managesieve: { implicitTls: false, greeting: /^"IMPLEMENTATION"/, goodbye: 'LOGOUT\r\n' },
};

export const LISTENER_IDS = Object.keys(DIALECTS) as ListenerId[];

export interface ProbeOptions {
  /** The address the listeners bind (0.0.0.0 / :: are probed on loopback). */
  host: string;
  /** Networks the listeners expect a PROXY header from: then the probe sends a v2 LOCAL header. */
  proxyNetworks: readonly string[];
  timeoutMs?: number;
}

function probeAddress(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

/** Resolves when the listener on `port` greets; rejects with the reason otherwise. */
export function probeListener(id: ListenerId, port: number, options: ProbeOptions): Promise<void> {
  const dialect = DIALECTS[id];
  const host = probeAddress(options.host);
  const sendsHeader = new NetworkList(options.proxyNetworks).contains(host);
  const timeoutMs = options.timeoutMs ?? 3000;
  return new Promise((resolve, reject) => {
    const raw = net.connect({ host, port });
    let stream: net.Socket = raw;
    let text = '';
    let settled = false;
    const timer = setTimeout(() => finish(new Error(`${id}: no greeting within ${timeoutMs} ms`)), timeoutMs);
    function finish(error: Error | null) {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      if (error) {
        raw.destroy();
        reject(error);
        return;
      }
      stream.end(dialect.goodbye);
      // The server closes after the goodbye; do not wait for it.
      setTimeout(() => raw.destroy(), 1000).unref();
      resolve();
    }
    const onData = (chunk: Buffer) => {
      text += chunk.toString('latin1');
      if (!text.includes('\n')) return;
      if (dialect.greeting.test(text)) finish(null);
      else finish(new Error(`${id}: unexpected greeting ${JSON.stringify(text.slice(0, 80))}`));
    };
    raw.on('error', (error) => finish(new Error(`${id}: ${error.message}`)));
    raw.on('connect', () => {
      if (sendsHeader) raw.write(encodeProxyV2());
      if (!dialect.implicitTls) {
        raw.on('data', onData);
        return;
      }
      // Our own certificate (possibly self-signed): the probe checks the listener, not the chain.
      const secure = tls.connect({ socket: raw, rejectUnauthorized: false, servername: 'localhost' });
      stream = secure;
      secure.on('data', onData);
      secure.on('error', (error) => finish(new Error(`${id}: TLS ${error.message}`)));
    });
    raw.on('close', () => finish(new Error(`${id}: closed before the greeting`)));
  });
}

/** One probe at a time per listener, and a result reused for `maxAgeMs` (several NLB nodes check each target). */
export function cachedProbe(run: () => Promise<void>, maxAgeMs = 2000): () => Promise<void> {
  let last: { at: number; result: Promise<void> } | null = null;
  return () => {
    const now = Date.now();
    if (!last || now - last.at > maxAgeMs) last = { at: now, result: run() };
    // A rejection is read by every caller; none is left unhandled.
    last.result.catch(() => undefined);
    return last.result;
  };
}
