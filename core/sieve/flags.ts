/**
 * imap4flags (RFC 5232): flag lists are space-separated, compared case-insensitively, and kept
 * without duplicates.
 */

export function splitFlags(values: readonly string[]): string[] {
  const out: string[] = [];
  for (const value of values) {
    for (const flag of value.split(/\s+/)) {
      if (flag && !out.some((f) => f.toLowerCase() === flag.toLowerCase())) out.push(flag);
    }
  }
  return out;
}

export function addFlags(current: readonly string[], added: readonly string[]): string[] {
  return splitFlags([...current, ...added]);
}

export function removeFlags(current: readonly string[], removed: readonly string[]): string[] {
  const gone = new Set(splitFlags(removed).map((f) => f.toLowerCase()));
  return current.filter((f) => !gone.has(f.toLowerCase()));
}
