/**
 * RFC 5256 §2.1 base subject: what SORT SUBJECT and THREAD compare.
 */
import { decodeHeaderValue } from '../../mime';

const BLOB = /^\[[^[\]]*\]\s*/;
const LEADER = /^(?:\[[^[\]]*\]\s*)*(?:re|fwd?)\s*(?:\[[^[\]]*\])?:\s*/i;

export function baseSubject(raw: string | null): { base: string; reply: boolean } {
  let s = decodeHeaderValue(raw ?? '')
    .replace(/[\t\r\n]+/g, ' ')
    .replace(/ {2,}/g, ' ')
    .trim();
  let reply = false;
  for (;;) {
    // (2) trailing "(fwd)" and whitespace
    let changed = true;
    while (changed) {
      changed = false;
      const t = s.replace(/\s*\(fwd\)\s*$/i, '');
      if (t !== s) {
        s = t;
        reply = true;
        changed = true;
      }
    }
    // (3)(4) leading leaders and blobs
    let again = true;
    while (again) {
      again = false;
      const leader = LEADER.exec(s);
      if (leader) {
        s = s.slice(leader[0].length);
        reply = true;
        again = true;
        continue;
      }
      const blob = BLOB.exec(s);
      if (blob && s.length > blob[0].length) {
        s = s.slice(blob[0].length);
        again = true;
      }
    }
    // (6) [fwd: ...] wrapper
    const fwd = /^\[fwd:\s*([\s\S]*)\]$/i.exec(s);
    if (fwd) {
      s = fwd[1].trim();
      reply = true;
      continue;
    }
    break;
  }
  return { base: s.toUpperCase(), reply };
}
