/**
 * The content-scanner port: anti-spam (rspamd, SpamAssassin's spamd) and anti-virus (ClamAV's
 * clamd) daemons reached over the network. The MX asks; the security policy decides what to do.
 */
export interface ScanContext {
  clientIp?: string;
  helo?: string | null;
  mailFrom?: string;
  recipients?: string[];
  authenticatedAs?: string | null;
  queueId?: string;
  hostname?: string;
}

export interface SpamVerdict {
  spam: boolean;
  score: number;
  threshold: number;
  /** Rule names that matched (GTUBE, BAYES_99 …). */
  symbols: string[];
  /** The engine's own recommended action (rspamd: "reject", "add header" …), when it has one. */
  action?: string;
}

export interface VirusVerdict {
  infected: boolean;
  /** Signature names found (e.g. "Eicar-Signature"). */
  viruses: string[];
}

export interface SpamScanner {
  readonly name: string;
  checkSpam(message: Buffer, context: ScanContext): Promise<SpamVerdict>;
}

export interface VirusScanner {
  readonly name: string;
  checkVirus(message: Buffer, context: ScanContext): Promise<VirusVerdict>;
}

/** The scanner could not give an answer (unreachable, timeout, protocol error). */
export class ScannerError extends Error {
  constructor(
    readonly scanner: string,
    message: string,
    options?: { cause?: unknown },
  ) {
    super(`${scanner}: ${message}`, options);
    this.name = 'ScannerError';
  }
}
