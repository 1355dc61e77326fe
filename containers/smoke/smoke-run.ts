/**
 * `nimbus smoke`: one message through the deployment as a user sends and reads it. Submits a
 * message carrying a unique token (submission with AUTH), waits for it in the INBOX over IMAP,
 * reads it back, deletes it. Each check stops the run on failure; the report marks the rest "skip".
 */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import SMTPConnection from 'nodemailer/lib/smtp-connection';
import type { SmokeCheck, SmokeResult, Target, TlsMode } from '../../core/smoke/smoke-report';
import { ImapSession } from './imap-session';

export interface SmokeOptions {
  smtp: Target;
  imap: Target;
  tls: TlsMode;
  user: string;
  password: string;
  /** Where the message goes; must land in `user`'s INBOX (default: user). */
  to: string;
  /** Skip certificate verification (self-signed test deployments). */
  insecure: boolean;
  /** How long to wait for delivery. */
  deliveryTimeoutMs: number;
  /** Connect/command timeout. */
  timeoutMs: number;
}

const HEADER = 'X-Nimbus-Smoke';

class CheckFailed extends Error {}

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const describe = (error: unknown) => {
  const e = error as { code?: string; response?: string; message?: string };
  return (
    (e.response ?? e.message ?? String(error)).replace(/\s+/g, ' ').trim() + (e.code ? ` (${e.code})` : '')
  );
};
const where = (t: Target) => (t.host.includes(':') ? `[${t.host}]:${t.port}` : `${t.host}:${t.port}`);

function tcpProbe(target: Target, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ host: target.host, port: target.port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve();
    });
    socket.once('timeout', () => {
      socket.destroy();
      reject(new Error(`no answer from ${where(target)} within ${timeoutMs / 1000} s`));
    });
    socket.once('error', (error) => reject(new Error(`${where(target)}: ${describe(error)}`)));
  });
}

function smtpConnect(options: SmokeOptions): Promise<SMTPConnection> {
  const connection = new SMTPConnection({
    host: options.smtp.host,
    port: options.smtp.port,
    secure: options.tls === 'implicit',
    requireTLS: options.tls === 'starttls',
    connectionTimeout: options.timeoutMs,
    greetingTimeout: options.timeoutMs,
    socketTimeout: options.timeoutMs,
    tls: {
      servername: net.isIP(options.smtp.host) ? undefined : options.smtp.host,
      rejectUnauthorized: !options.insecure,
      minVersion: 'TLSv1.2',
    },
    logger: false,
  });
  // Connection failures (refused, TLS, timeouts) arrive as 'error' events, not through connect()'s
  // callback; later command errors come through the command callbacks.
  return new Promise((resolve, reject) => {
    let connected = false;
    connection.on('error', (error) => {
      if (!connected) reject(error);
    });
    connection.once('end', () => {
      if (!connected) reject(new Error('the SMTP server closed the connection'));
    });
    connection.connect(() => {
      connected = true;
      resolve(connection);
    });
  });
}

function tlsProtocolOf(connection: SMTPConnection): string {
  const socket = (connection as unknown as { _socket?: { getProtocol?: () => string | null } })._socket;
  return socket?.getProtocol?.() ?? 'TLS';
}

export function buildMessage(from: string, to: string, token: string, date = new Date()): string {
  return [
    `From: <${from}>`,
    `To: <${to}>`,
    `Subject: Nimbus smoke test ${token}`,
    `Date: ${date.toUTCString().replace('GMT', '+0000')}`,
    `Message-ID: <smoke-${token}@nimbus.invalid>`,
    `${HEADER}: ${token}`,
    'MIME-Version: 1.0',
    'Content-Type: text/plain; charset=utf-8',
    '',
    `Smoke test token ${token}. This message deletes itself.`,
    '',
  ].join('\r\n');
}

/** Servers that keep a copy of submitted mail (Nimbus: submission.saveToSent) get it removed too. */
async function removeSentCopy(imap: ImapSession, token: string): Promise<string | null> {
  const list = await imap.command('LIST "" "*"');
  const sent = list.untagged
    .map((u) => /^\* LIST \(([^)]*)\) \S+ (.+)$/i.exec(u.line))
    .find((m) => m && /\\Sent\b/i.test(m[1]));
  if (!sent) return null;
  const mailbox = sent[2];
  await imap.command(`SELECT ${mailbox}`);
  const found = await imap.command(`UID SEARCH HEADER ${HEADER} ${token}`);
  const uids = (found.untagged.find((u) => /^\* SEARCH\b/i.test(u.line))?.line ?? '').split(/\s+/).slice(2);
  if (uids.length === 0) return null;
  await imap.command(`UID STORE ${uids.join(',')} +FLAGS.SILENT (\\Deleted)`);
  await imap.command(imap.capabilities.includes('UIDPLUS') ? `UID EXPUNGE ${uids.join(',')}` : 'EXPUNGE');
  return `Sent copy expunged from ${mailbox}`;
}

export async function runSmoke(options: SmokeOptions): Promise<SmokeResult[]> {
  const results: SmokeResult[] = [];
  const token = randomBytes(12).toString('hex');
  let smtp: SMTPConnection | null = null;
  let imap: ImapSession | null = null;
  const check = async (name: SmokeCheck, run: () => Promise<string>) => {
    try {
      results.push({ check: name, status: 'pass', detail: await run() });
    } catch (error) {
      results.push({ check: name, status: 'fail', detail: describe(error) });
      throw new CheckFailed(name);
    }
  };
  try {
    await check('connect', async () => {
      await Promise.all([
        tcpProbe(options.smtp, options.timeoutMs),
        tcpProbe(options.imap, options.timeoutMs),
      ]);
      return `smtp ${where(options.smtp)}, imap ${where(options.imap)}`;
    });
    await check('tls', async () => {
      smtp = await smtpConnect(options).catch((error: unknown) => {
        throw new Error(`smtp: ${describe(error)}`);
      });
      imap = await ImapSession.connect({
        ...options.imap,
        tls: options.tls,
        verify: !options.insecure,
        timeoutMs: options.timeoutMs,
      }).catch((error: unknown) => {
        throw new Error(`imap: ${describe(error)}`);
      });
      const verified = options.insecure ? 'certificate NOT verified (--insecure)' : 'certificates verified';
      return `${options.tls}: smtp ${tlsProtocolOf(smtp)}, imap ${imap.tlsProtocol}; ${verified}`;
    });
    await check('auth', async () => {
      await new Promise<void>((resolve, reject) =>
        smtp!.login({ user: options.user, pass: options.password }, (error) =>
          error ? reject(new Error(`smtp: ${describe(error)}`)) : resolve(),
        ),
      );
      await imap!.authenticate(options.user, options.password).catch((error: unknown) => {
        throw new Error(`imap: ${describe(error)}`);
      });
      return `smtp and imap as ${options.user}`;
    });
    await check('submit', async () => {
      const info = await new Promise<SMTPConnection.SentMessageInfo>((resolve, reject) =>
        smtp!.send(
          { from: options.user, to: [options.to] },
          buildMessage(options.user, options.to, token),
          (error, sent) => (error ? reject(error) : resolve(sent)),
        ),
      );
      if (info.rejected.length > 0) throw new Error(`recipient refused: ${info.rejected.join(', ')}`);
      return `${options.user} → ${options.to}: ${(info.response ?? '').replace(/\s+/g, ' ').trim()}`;
    });
    smtp!.quit();
    let uid = 0;
    await check('delivered', async () => {
      const started = Date.now();
      for (;;) {
        await imap!.command('SELECT INBOX');
        const found = await imap!.command(`UID SEARCH HEADER ${HEADER} ${token}`);
        const line = found.untagged.find((u) => /^\* SEARCH\b/i.test(u.line))?.line ?? '';
        const uids = line.split(/\s+/).slice(2).map(Number).filter(Boolean);
        if (uids.length > 0) {
          uid = uids[0];
          return `in INBOX after ${((Date.now() - started) / 1000).toFixed(1)} s (UID ${uid})`;
        }
        if (Date.now() - started > options.deliveryTimeoutMs)
          throw new Error(`not in ${options.user}'s INBOX within ${options.deliveryTimeoutMs / 1000} s`);
        await sleep(1000);
      }
    });
    await check('read-back', async () => {
      const fetched = await imap!.command(`UID FETCH ${uid} (BODY.PEEK[])`);
      const body = fetched.untagged.flatMap((u) => u.literals).find((l) => l.includes(token));
      if (!body) throw new Error(`UID ${uid} came back without the token`);
      return `${body.length} bytes, token in ${HEADER} and body`;
    });
    await check('cleanup', async () => {
      await imap!.command(`UID STORE ${uid} +FLAGS.SILENT (\\Deleted)`);
      await imap!.command(imap!.capabilities.includes('UIDPLUS') ? `UID EXPUNGE ${uid}` : 'EXPUNGE');
      const left = await imap!.command(`UID SEARCH HEADER ${HEADER} ${token}`);
      if (/^\* SEARCH \d/im.test(left.untagged.map((u) => u.line).join('\n')))
        throw new Error('the message is still there after EXPUNGE');
      const sent = await removeSentCopy(imap!, token);
      return `UID ${uid} expunged${sent ? `; ${sent}` : ''}`;
    });
  } catch (error) {
    if (!(error instanceof CheckFailed)) throw error;
  } finally {
    (smtp as SMTPConnection | null)?.close();
    (imap as ImapSession | null)?.logout();
  }
  return results;
}
