import http from 'node:http';
import {
  ScannerError,
  type ScanContext,
  type SpamScanner,
  type SpamVerdict,
} from '../../ports/content-scanner';

/** rspamd actions that mean "this is spam" (soft reject is rspamd's greylisting, not a verdict). */
const SPAM_ACTIONS = new Set(['reject', 'add header', 'rewrite subject']);

/**
 * rspamd's normal worker over HTTP: POST /checkv2 with the message as the body and the envelope
 * in request headers (IP, Helo, From, Rcpt, User, Queue-Id); the JSON answer carries score,
 * required_score, the recommended action and the symbols.
 */
export class RspamdClient implements SpamScanner {
  readonly name = 'rspamd';
  private readonly url: URL;

  constructor(
    url: string,
    private readonly options: { timeoutMs: number; password?: string } = { timeoutMs: 30_000 },
  ) {
    this.url = new URL('/checkv2', url);
  }

  async checkSpam(message: Buffer, context: ScanContext): Promise<SpamVerdict> {
    const headers: http.OutgoingHttpHeaders = { 'content-length': message.length };
    if (context.clientIp) headers['IP'] = context.clientIp;
    if (context.helo) headers['Helo'] = context.helo;
    if (context.mailFrom !== undefined) headers['From'] = context.mailFrom || '<>';
    // One Rcpt header line per recipient (node:http sends an array as repeated lines).
    if (context.recipients?.length) headers['Rcpt'] = context.recipients;
    if (context.authenticatedAs) headers['User'] = context.authenticatedAs;
    if (context.queueId) headers['Queue-Id'] = context.queueId;
    if (context.hostname) headers['MTA-Name'] = context.hostname;
    if (this.options.password) headers['Password'] = this.options.password;
    const body = await this.post(headers, message);
    return parseRspamdResponse(body);
  }

  private post(headers: http.OutgoingHttpHeaders, message: Buffer): Promise<string> {
    return new Promise((resolve, reject) => {
      const fail = (text: string, cause?: unknown) => reject(new ScannerError(this.name, text, { cause }));
      const request = http.request(
        this.url,
        { method: 'POST', headers, timeout: this.options.timeoutMs },
        (res) => {
          const chunks: Buffer[] = [];
          res.on('data', (chunk: Buffer) => chunks.push(chunk));
          res.on('error', (error) => fail(error.message, error));
          res.on('end', () => {
            const text = Buffer.concat(chunks).toString('utf8');
            if (res.statusCode !== 200) return fail(`HTTP ${res.statusCode}: ${text.slice(0, 200)}`);
            resolve(text);
          });
        },
      );
      request.on('timeout', () =>
        request.destroy(new Error(`no answer within ${this.options.timeoutMs} ms`)),
      );
      request.on('error', (error) => fail(`${this.url.host}: ${error.message}`, error));
      request.end(message);
    });
  }
}

/** Parses a /checkv2 JSON answer (exported for unit tests against recorded exchanges). */
export function parseRspamdResponse(text: string): SpamVerdict {
  let json: {
    score?: number;
    required_score?: number;
    action?: string;
    symbols?: Record<string, { name?: string; score?: number }>;
    error?: string;
  };
  try {
    json = JSON.parse(text);
  } catch {
    throw new ScannerError('rspamd', `not JSON: ${text.slice(0, 120)}`);
  }
  if (json.error) throw new ScannerError('rspamd', json.error);
  if (typeof json.score !== 'number' || typeof json.action !== 'string') {
    throw new ScannerError('rspamd', 'answer without score/action');
  }
  return {
    // (is_skipped only says that rspamd stopped early, e.g. on GTUBE: the action still holds.)
    spam: SPAM_ACTIONS.has(json.action),
    score: json.score,
    threshold: json.required_score ?? 0,
    symbols: Object.keys(json.symbols ?? {}).sort(),
    action: json.action,
  };
}
