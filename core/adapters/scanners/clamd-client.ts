import { ScannerError, type VirusScanner, type VirusVerdict } from '../../ports/content-scanner';
import { tcpExchange, type TcpEndpoint } from './tcp-exchange';

const CHUNK = 64 * 1024;

/**
 * ClamAV's clamd over TCP: `zINSTREAM`, the message in length-prefixed chunks, a zero-length
 * chunk; the answer is "stream: OK", "stream: <signature> FOUND" or "<reason> ERROR".
 */
export class ClamdClient implements VirusScanner {
  readonly name = 'clamd';

  constructor(
    private readonly endpoint: TcpEndpoint,
    private readonly options: { timeoutMs: number } = { timeoutMs: 60_000 },
  ) {}

  async checkVirus(message: Buffer): Promise<VirusVerdict> {
    const response = await tcpExchange(this.name, this.endpoint, instream(message), this.options.timeoutMs);
    return parseClamdResponse(response);
  }

  /** PING → PONG: a health check. */
  async ping(): Promise<boolean> {
    const response = await tcpExchange(
      this.name,
      this.endpoint,
      [Buffer.from('zPING\0')],
      this.options.timeoutMs,
    );
    return response.toString('latin1').replace(/\0$/, '').trim() === 'PONG';
  }
}

function* instream(message: Buffer): Generator<Buffer> {
  yield Buffer.from('zINSTREAM\0', 'latin1');
  for (let offset = 0; offset < message.length; offset += CHUNK) {
    const chunk = message.subarray(offset, offset + CHUNK);
    const length = Buffer.alloc(4);
    length.writeUInt32BE(chunk.length);
    yield length;
    yield chunk;
  }
  yield Buffer.alloc(4); // end of stream
}

/** Parses clamd's answer (exported for unit tests). */
export function parseClamdResponse(response: Buffer): VirusVerdict {
  const text = response.toString('utf8').replace(/\0+$/, '').trim();
  if (/:\s*OK$/.test(text)) return { infected: false, viruses: [] };
  const found = /^(?:stream|[^:]*):\s*(.+?)\s+FOUND$/.exec(text);
  if (found) return { infected: true, viruses: [found[1]] };
  throw new ScannerError('clamd', text ? `answered "${text.slice(0, 120)}"` : 'closed without an answer');
}
