/**
 * RFC 2047 encoded-words to Unicode, for SORT/THREAD base subjects and SEARCH.
 */
import libmime from 'libmime';

export function decodeHeaderValue(value: string): string {
  try {
    return libmime.decodeWords(value);
  } catch {
    // Broken words in a header must not make a message unsearchable.
    return value;
  }
}
