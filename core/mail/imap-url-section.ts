/**
 * The section text of an IMAP URL (";SECTION=", RFC 5092 §4 / RFC 9051 section-spec) read as a
 * FETCH section: part path, specifier and header field names, for resolving a URL to bytes.
 */

/**
 * A URL section ("1.2", "HEADER", "1.2.MIME", "HEADER.FIELDS (FROM TO)") as a FETCH section:
 * the part path, the specifier and the header field names. null when the text is not a section.
 */
export interface UrlSection {
  path: number[];
  specifier: null | 'HEADER' | 'HEADER.FIELDS' | 'HEADER.FIELDS.NOT' | 'TEXT' | 'MIME';
  fields: string[];
}

export function parseUrlSection(text: string): UrlSection | null {
  const m =
    /^((?:[1-9]\d{0,8})(?:\.[1-9]\d{0,8})*)?(?:(?:^|\.)(HEADER|TEXT|MIME|HEADER\.FIELDS(?:\.NOT)?))?(?: \(([^()]*)\))?$/i.exec(
      text,
    );
  if (!m || text === '') return null;
  const path = m[1] ? m[1].split('.').map(Number) : [];
  const specifier = (m[2]?.toUpperCase() ?? null) as UrlSection['specifier'];
  if (specifier === 'MIME' && path.length === 0) return null;
  const listed = specifier === 'HEADER.FIELDS' || specifier === 'HEADER.FIELDS.NOT';
  if (listed !== (m[3] !== undefined)) return null;
  const fields = listed ? m[3].split(' ').filter((f) => f !== '') : [];
  if (listed && (fields.length === 0 || !fields.every((f) => /^[\x21-\x39\x3b-\x7e]+$/.test(f)))) return null;
  return { path, specifier, fields };
}
