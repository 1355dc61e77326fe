/** BIND zone-file text for the records of core/dns/zone-records.ts. */
import type { DnsRecord } from './zone-records';

const fqdn = (name: string) => (name === '.' ? '.' : `${name}.`);

/** A TXT value as quoted strings of at most 255 bytes each (RFC 1035 §3.3.14 character-strings). */
export function txtStrings(value: string): string {
  const parts: string[] = [];
  let part = '';
  for (const char of value) {
    // The limit is in bytes; a multi-byte character is never cut in two.
    if (Buffer.byteLength(part + char) > 255) {
      parts.push(part);
      part = '';
    }
    part += char;
  }
  if (part || parts.length === 0) parts.push(part);
  return parts.map((part) => `"${part.replace(/["\\]/g, (c) => `\\${c}`)}"`).join(' ');
}

function rdata(record: DnsRecord): string[] {
  switch (record.type) {
    case 'MX':
      return record.values.map((v) => `${v.priority} ${fqdn(v.host)}`);
    case 'TXT':
      return record.values.map(txtStrings);
    case 'CNAME':
      return [fqdn(record.target)];
    case 'SRV':
      return record.values.map((v) => `${v.priority} ${v.weight} ${v.port} ${fqdn(v.target)}`);
  }
}

export function formatZone(records: DnsRecord[], ttl = 3600): string {
  const width = Math.max(...records.map((r) => r.name.length + 1));
  const lines: string[] = [];
  for (const record of records) {
    for (const data of rdata(record)) {
      lines.push(`${fqdn(record.name).padEnd(width)} ${ttl} IN ${record.type.padEnd(5)} ${data}`);
    }
  }
  return lines.join('\n') + '\n';
}
