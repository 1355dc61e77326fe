/**
 * Email Categories ↔ IMAP keywords. A keyword is an atom (no spaces, parentheses, non-ASCII …),
 * a category is any text, so characters a keyword cannot hold (and "&" itself) are written as
 * "&<base64 of UTF-16BE>-", the scheme of IMAP mailbox names (RFC 3501 §5.1.3): "Project X" ↔
 * "Project&ACA-X". System flags (\Seen …) and the registered "$" keywords ($Forwarded, $Junk,
 * $MDNSent …) are message states, not categories, so they are neither shown nor replaced.
 */

const SAFE = /[\x21-\x7e]/;
const SPECIAL = /[()[\]{}%*"\\&]/;
const MAX_KEYWORD = 255;

const isSafe = (ch: string): boolean => SAFE.test(ch) && !SPECIAL.test(ch);

function encodeRun(run: string): string {
  const utf16 = Buffer.alloc(run.length * 2);
  for (let i = 0; i < run.length; i++) utf16.writeUInt16BE(run.charCodeAt(i), i * 2);
  return '&' + utf16.toString('base64').replace(/=+$/, '').replace(/\//g, ',') + '-';
}

/** The keyword of a category, or null when it cannot be one (empty, too long). */
export function categoryToKeyword(category: string): string | null {
  if (category.length === 0 || category.startsWith('$')) return null;
  let out = '';
  let run = '';
  for (const ch of category) {
    if (isSafe(ch)) {
      if (run) out += encodeRun(run);
      run = '';
      out += ch;
    } else run += ch;
  }
  if (run) out += encodeRun(run);
  return out.length <= MAX_KEYWORD ? out : null;
}

/** The category of a keyword, or null for system flags, "$" keywords and broken encodings. */
export function keywordToCategory(keyword: string): string | null {
  if (keyword.startsWith('\\') || keyword.startsWith('$') || keyword.length === 0) return null;
  let out = '';
  let last = 0;
  for (const m of keyword.matchAll(/&([A-Za-z0-9+,]*)-/g)) {
    const bytes = Buffer.from(m[1].replace(/,/g, '/'), 'base64');
    const literal = keyword.slice(last, m.index);
    // Not our encoding (a bare "&", a broken run): the keyword is shown as it is.
    if (literal.includes('&') || bytes.length === 0 || bytes.length % 2 !== 0) return keyword;
    out += literal;
    for (let i = 0; i < bytes.length; i += 2) out += String.fromCharCode(bytes.readUInt16BE(i));
    last = m.index + m[0].length;
  }
  const rest = keyword.slice(last);
  return rest.includes('&') ? keyword : out + rest;
}

export const isCategoryKeyword = (flag: string): boolean => !flag.startsWith('\\') && !flag.startsWith('$');

export function categoriesOf(flags: string[]): string[] {
  return flags.filter(isCategoryKeyword).flatMap((f) => {
    const c = keywordToCategory(f);
    return c === null ? [] : [c];
  });
}
