import { isIPv4, isIPv6 } from '../util/ip';
import type { SqlExecutor } from '../ports/sql';

export type GreylistDecision = { pass: true } | { pass: false; retryAfterSeconds: number };

/**
 * Greylisting (RFC 6647): the first attempt of an unknown (client network, sender, recipient)
 * triplet is deferred with 451 4.7.1; a retry after `delaySeconds` passes, and the triplet is then
 * remembered for `expireDays` after its last use. Triplets live in SQL, so a retry that lands on
 * another node of the cluster passes too. The client network is the /24 (IPv4) or /64 (IPv6), as
 * large senders retry from neighbouring addresses.
 */
export class Greylist {
  constructor(private readonly db: SqlExecutor) {}

  async check(
    clientIp: string,
    sender: string,
    recipient: string,
    options: { delaySeconds: number; expireDays: number },
  ): Promise<GreylistDecision> {
    const result = await this.db.query<{ passed: boolean; remaining: number }>(
      `INSERT INTO greylist (network, sender, recipient, passed) VALUES ($1, $2, $3, $4::int <= 0)
       ON CONFLICT (network, sender, recipient) DO UPDATE SET
         first_seen = CASE WHEN greylist.last_seen < now() - make_interval(days => $5::int)
                           THEN now() ELSE greylist.first_seen END,
         passed = CASE WHEN greylist.last_seen < now() - make_interval(days => $5::int) THEN $4::int <= 0
                       WHEN greylist.passed THEN true
                       ELSE greylist.first_seen + make_interval(secs => $4::int) <= now() END,
         last_seen = now()
       RETURNING passed, ceil(extract(epoch FROM (first_seen + make_interval(secs => $4::int) - now())))::int
         AS remaining`,
      [
        clientNetwork(clientIp),
        sender.toLowerCase(),
        recipient.toLowerCase(),
        options.delaySeconds,
        options.expireDays,
      ],
    );
    const row = result.rows[0];
    if (row.passed) return { pass: true };
    return { pass: false, retryAfterSeconds: Math.max(1, Number(row.remaining)) };
  }

  /** Forgets triplets unused for `expireDays` (run by the node's maintenance). */
  async expire(expireDays: number): Promise<number> {
    const result = await this.db.query(
      `DELETE FROM greylist WHERE last_seen < now() - make_interval(days => $1::int)`,
      [expireDays],
    );
    return result.rowCount;
  }
}

/** 192.0.2.77 → 192.0.2.0/24; 2001:db8:1:2::5 → 2001:db8:1:2::/64. */
export function clientNetwork(ip: string): string {
  if (isIPv4(ip)) return `${ip.split('.').slice(0, 3).join('.')}.0/24`;
  if (isIPv6(ip)) return `${expandIPv6(ip).slice(0, 4).join(':')}::/64`;
  return ip;
}

/** The eight 16-bit groups of an IPv6 address, without leading zeros. */
export function expandIPv6(ip: string): string[] {
  let text = ip.toLowerCase();
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (v4) {
    const o = v4[1].split('.').map(Number);
    text =
      text.slice(0, -v4[1].length) +
      `${((o[0] << 8) | o[1]).toString(16)}:${((o[2] << 8) | o[3]).toString(16)}`;
  }
  const [head, tail] = text.split('::');
  const left = head ? head.split(':') : [];
  const right = tail !== undefined && tail ? tail.split(':') : [];
  const fill = tail !== undefined ? new Array(8 - left.length - right.length).fill('0') : [];
  return [...left, ...fill, ...right].map((g) => parseInt(g || '0', 16).toString(16));
}
