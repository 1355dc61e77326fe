import {
  ScannerError,
  type ScanContext,
  type SpamScanner,
  type SpamVerdict,
} from '../../ports/content-scanner';
import { tcpExchange, type TcpEndpoint } from './tcp-exchange';

/**
 * SpamAssassin's spamd over TCP (the SPAMC/SPAMD protocol, version 1.5): one SYMBOLS request per
 * message; the answer's "Spam: True ; 1000.0 / 5.0" header carries verdict, score and threshold,
 * and its body the comma-separated names of the rules that hit.
 */
export class SpamdClient implements SpamScanner {
  readonly name = 'spamd';

  constructor(
    private readonly endpoint: TcpEndpoint,
    private readonly options: { timeoutMs: number; user?: string; maxSize?: number } = { timeoutMs: 30_000 },
  ) {}

  async checkSpam(message: Buffer, context: ScanContext): Promise<SpamVerdict> {
    // Like spamc: oversized messages are not scanned (spamd would be slow; spam is small).
    const maxSize = this.options.maxSize ?? 2 * 1024 * 1024;
    if (message.length > maxSize) return { spam: false, score: 0, threshold: 0, symbols: [] };
    const user = this.options.user ?? context.recipients?.[0] ?? 'nimbus';
    const head = Buffer.from(
      `SYMBOLS SPAMC/1.5\r\nContent-length: ${message.length}\r\nUser: ${user.replace(/[\r\n]/g, '')}\r\n\r\n`,
      'latin1',
    );
    const response = await tcpExchange(this.name, this.endpoint, [head, message], this.options.timeoutMs);
    return parseSpamdResponse(response);
  }
}

/** Parses "SPAMD/1.1 0 EX_OK" + headers + body (exported for unit tests). */
export function parseSpamdResponse(response: Buffer): SpamVerdict {
  const text = response.toString('latin1');
  const split = text.indexOf('\r\n\r\n');
  const head = split < 0 ? text : text.slice(0, split);
  const body = split < 0 ? '' : text.slice(split + 4);
  const [status, ...headers] = head.split('\r\n');
  const statusMatch = /^SPAMD\/\d+\.\d+\s+(\d+)\s+(.*)$/.exec(status);
  if (!statusMatch) throw new ScannerError('spamd', `unexpected answer "${status.slice(0, 80)}"`);
  if (statusMatch[1] !== '0') throw new ScannerError('spamd', `error ${statusMatch[1]} ${statusMatch[2]}`);
  const spamHeader = headers.find((h) => /^Spam:/i.test(h));
  const match =
    spamHeader && /^Spam:\s*(True|False|Yes|No)\s*;\s*(-?[\d.]+)\s*\/\s*(-?[\d.]+)/i.exec(spamHeader);
  if (!match) throw new ScannerError('spamd', 'answer without a Spam: header');
  return {
    spam: /^(true|yes)$/i.test(match[1]),
    score: Number(match[2]),
    threshold: Number(match[3]),
    symbols: body
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  };
}
