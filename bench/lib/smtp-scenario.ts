import { SmtpLoadClient } from './smtp-load';
import { summarise } from './stats';

/** A 10 KiB message (headers and body; the size the figures use). */
export function tenKibMessage(n: number, to: string): string {
  const header =
    `From: bench@remote.test\r\nTo: ${to}\r\nSubject: bench ${n}\r\n` +
    `Message-ID: <${n}.${Date.now()}@bench>\r\n\r\n`;
  const line = 'The quick brown fox jumps over the lazy dog, again and again and again.\r\n';
  let body = '';
  while (header.length + body.length < 10 * 1024 - line.length) body += line;
  return header + body;
}

export interface SmtpScenario {
  port: number;
  recipient: string;
  messages: number;
  sessions: number;
  perConnection: number;
  /** How many messages are in the recipient's mailbox now (the server's own count, not its 250s). */
  inMailbox: () => Promise<number>;
}

export interface SmtpFigures {
  /** Messages per second until the last 250. */
  accepted: number;
  /** Messages per second until the last one is in the mailbox. */
  toMailbox: number;
  p50: number;
  p99: number;
  errors: string[];
}

/** `sessions` concurrent SMTP sessions send `messages` in total, `perConnection` per connection. */
export async function runSmtpScenario(s: SmtpScenario): Promise<SmtpFigures> {
  const before = await s.inMailbox();
  const latencies: number[] = [];
  const errors: string[] = [];
  let next = 0;
  let sent = 0;
  const started = performance.now();
  const worker = async (): Promise<void> => {
    while (next < s.messages) {
      let client: SmtpLoadClient;
      try {
        client = await SmtpLoadClient.connect(s.port);
      } catch (error) {
        errors.push(`connect: ${(error as Error).message}`);
        if (errors.length > 100) return;
        continue;
      }
      try {
        for (let i = 0; i < s.perConnection && next < s.messages; i++) {
          const n = next++;
          const t0 = performance.now();
          await client.send('bench@remote.test', s.recipient, tenKibMessage(n, s.recipient));
          latencies.push(performance.now() - t0);
          sent++;
        }
      } catch (error) {
        errors.push((error as Error).message);
        if (errors.length > 100) return;
      } finally {
        await client.quit();
      }
    }
  };
  await Promise.all(Array.from({ length: s.sessions }, worker));
  const acceptedAt = performance.now();
  // Every accepted message must show up; give up (and say so) if the count stops moving for 60 s.
  let last = -1;
  let movedAt = performance.now();
  for (;;) {
    const count = (await s.inMailbox()) - before;
    if (count >= sent) break;
    if (count !== last) [last, movedAt] = [count, performance.now()];
    if (performance.now() - movedAt > 60_000) {
      errors.push(`only ${count} of ${sent} accepted messages reached the mailbox`);
      break;
    }
    await new Promise((r) => setTimeout(r, 25));
  }
  const deliveredAt = performance.now();
  const stats = summarise(latencies);
  return {
    accepted: sent / ((acceptedAt - started) / 1000),
    toMailbox: sent / ((deliveredAt - started) / 1000),
    p50: stats.p50,
    p99: stats.p99,
    errors,
  };
}
