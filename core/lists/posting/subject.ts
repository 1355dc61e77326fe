import libmime from 'libmime';

/**
 * Adds the list's subject prefix unless the subject already carries it, after any number of
 * reply/forward markers ("Re: [dev] x" stays as it is; "Re: x" becomes "[dev] Re: x", as
 * Mailman does). `subject` is the raw field value as latin1 (bytes kept): encoded words are
 * decoded to compare and the result re-encoded when not ASCII; raw 8-bit subjects are kept as
 * bytes with the prefix in front.
 */
export function prefixSubject(subject: string | null, prefix: string | null | undefined): string | null {
  const p = (prefix ?? '').replace(/[\r\n]+/g, ' ').trim();
  if (!p) return subject;
  const raw = subject ?? '';
  const eightBit = /[^\x00-\x7f]/.test(raw);
  let decoded = raw;
  if (eightBit) decoded = Buffer.from(raw, 'latin1').toString('utf8');
  else {
    try {
      decoded = libmime.decodeWords(raw);
    } catch {
      decoded = raw;
    }
  }
  if (hasPrefix(decoded, p)) return subject;
  const asciiPrefix = !/[^\x20-\x7e]/.test(p);
  if (eightBit) return `${asciiPrefix ? p : libmime.encodeWord(p, 'Q', 52)} ${raw.trim()}`;
  const result = `${p} ${decoded.trim()}`.trim();
  return /[^\x20-\x7e]/.test(result) ? libmime.encodeWords(result, 'Q', 52) : result;
}

function hasPrefix(subject: string, prefix: string): boolean {
  let rest = subject.trim();
  for (;;) {
    const m = /^(re|aw|fwd?|sv|antw)(\[\d+\])?\s*:\s*/i.exec(rest);
    if (!m) break;
    rest = rest.slice(m[0].length);
  }
  return rest.toLowerCase().startsWith(prefix.toLowerCase());
}
