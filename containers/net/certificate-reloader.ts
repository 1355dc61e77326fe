/**
 * Keeps the SecureContext that every TLS listener and STARTTLS upgrade asks for (they call
 * `context()` per connection) in step with a CertificateSource: polls it, and when the version
 * changes builds a new context for new connections. Sessions already encrypted keep theirs. A
 * source that fails or holds a bad certificate leaves the current context in place and logs.
 */
import { constants } from 'node:crypto';
import tls, { type SecureContext } from 'node:tls';
import type { Logger } from 'pino';
import type { CertificateMaterial, CertificateSource } from '../../core/ports/certificate-source';
import { describeCertificate, splitPemChain } from '../../core/tls/certificate-info';

export interface ReloaderOptions {
  intervalMs: number;
  log: Pick<Logger, 'info' | 'warn' | 'error'>;
  /** Used until the source first yields a certificate (a generated self-signed one). */
  fallback?: () => Promise<CertificateMaterial>;
}

export function buildSecureContext(material: CertificateMaterial): SecureContext {
  // One PEM block per line: OpenSSL refuses a chain glued without a newline (`cat` of files
  // that lack a final newline), which the secret may well hold.
  const cert = splitPemChain(material.certPem).join('\n') + '\n';
  return tls.createSecureContext({
    cert,
    key: material.keyPem,
    minVersion: 'TLSv1.2',
    // Client-initiated TLS 1.2 renegotiation costs us a private-key operation per request, and
    // Node's own limit only guards sockets of a tls.Server (ours are TLSSockets we wrap): refuse it.
    secureOptions: constants.SSL_OP_NO_RENEGOTIATION,
  });
}

export class CertificateReloader {
  private current: SecureContext | null = null;
  private version: string | null = null;
  private timer: NodeJS.Timeout | null = null;
  private polling: Promise<boolean> | null = null;
  /** True while the fallback certificate is served (the source has not given a usable one). */
  usingFallback = false;

  constructor(
    readonly source: CertificateSource,
    private readonly options: ReloaderOptions,
  ) {}

  /** Loads the first certificate (the fallback if the source fails) and starts polling. */
  async start(): Promise<void> {
    const loaded = await this.reload();
    if (!loaded && this.options.fallback) {
      const material = await this.options.fallback();
      this.current = buildSecureContext(material);
      this.usingFallback = true;
      this.options.log.warn(
        { source: this.source.description },
        'serving the fallback (self-signed) TLS certificate until the source holds a valid one',
      );
    }
    if (!this.current) throw new Error(`no TLS certificate could be loaded from ${this.source.description}`);
    this.timer = setInterval(() => void this.reload(), this.options.intervalMs);
    this.timer.unref();
  }

  context(): SecureContext {
    if (!this.current) throw new Error('TLS certificate not loaded yet');
    return this.current;
  }

  /** Polls the source once; true when a new certificate now serves new connections. */
  reload(): Promise<boolean> {
    // One poll at a time: a slow source must not stack requests.
    this.polling ??= this.poll().finally(() => (this.polling = null));
    return this.polling;
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  private async poll(): Promise<boolean> {
    let material: CertificateMaterial;
    let context: SecureContext;
    try {
      material = await this.source.load();
      if (material.version === this.version) return false;
      context = buildSecureContext(material);
    } catch (error) {
      this.options.log.error(
        { err: error, source: this.source.description },
        'TLS certificate could not be loaded; keeping the current one',
      );
      return false;
    }
    this.current = context;
    this.version = material.version;
    this.usingFallback = false;
    const info = describeCertificate(material.certPem);
    this.options.log.info(
      {
        source: this.source.description,
        version: material.version,
        fingerprint: info.fingerprint256,
        notAfter: info.notAfter.toISOString(),
      },
      'TLS certificate loaded',
    );
    return true;
  }
}
