/**
 * Comparators of RFC 4790 used by SORT: i;ascii-casemap (RFC 5256 keys) and i;unicode-casemap
 * (RFC 5051, required by SORT=DISPLAY, RFC 5957 §3). Keys are compared as UTF-8 octets.
 */

/** i;ascii-casemap: only a-z fold (to upper case); everything else compares as is. */
export function asciiCasemapKey(value: string): string {
  return value.replace(/[a-z]+/g, (m) => m.toUpperCase());
}

/** Each character's simple (one-character) upper-case mapping; others are kept. */
function simpleUpper(value: string): string {
  let out = '';
  for (const ch of value) {
    const upper = ch.toUpperCase();
    out += [...upper].length === 1 ? upper : ch;
  }
  return out;
}

/**
 * i;unicode-casemap (RFC 5051 §2): each character's simple titlecase mapping, then NFKD.
 * JavaScript has no titlecase table; upper case is the same for all but a few digraphs
 * (ǅ/ǈ/ǋ/ǲ), and multi-character (full) mappings such as ß → SS are not simple mappings, so
 * those characters stay. The mapping is applied again to what the decomposition produces
 * (ﬁ → fi → FI), as Dovecot does, so that the key is stable.
 */
export function unicodeCasemapKey(value: string): string {
  return simpleUpper(simpleUpper(value).normalize('NFKD')).normalize('NFKD');
}

/** Octet order of the UTF-8 forms (what RFC 4790 comparators define). */
export function compareUtf8(a: string, b: string): number {
  if (a === b) return 0;
  return Buffer.compare(Buffer.from(a, 'utf8'), Buffer.from(b, 'utf8'));
}
