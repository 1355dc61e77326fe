/**
 * Just enough PostgreSQL lexing for the Data API: split a script into statements (the Data API
 * runs one statement per call) and rewrite `$n` placeholders as `:pn` named parameters — both
 * outside string literals, quoted identifiers, dollar-quoted bodies and comments.
 */

type Segment = { code: boolean; text: string };

/** Cuts SQL into code and non-code (literals, quoted identifiers, dollar quotes, comments). */
function segments(sql: string): Segment[] {
  const out: Segment[] = [];
  let code = '';
  let i = 0;
  const flushCode = () => {
    if (code) out.push({ code: true, text: code });
    code = '';
  };
  while (i < sql.length) {
    const ch = sql[i];
    const next = sql[i + 1];
    let end = -1;
    if (ch === '-' && next === '-') {
      const nl = sql.indexOf('\n', i);
      end = nl === -1 ? sql.length : nl;
    } else if (ch === '/' && next === '*') {
      let depth = 1;
      let j = i + 2;
      while (j < sql.length && depth > 0) {
        if (sql[j] === '/' && sql[j + 1] === '*') {
          depth++;
          j += 2;
        } else if (sql[j] === '*' && sql[j + 1] === '/') {
          depth--;
          j += 2;
        } else {
          j++;
        }
      }
      end = j;
    } else if (ch === "'" || ch === '"') {
      let j = i + 1;
      const escapes = ch === "'" && (sql[i - 1] === 'E' || sql[i - 1] === 'e');
      while (j < sql.length) {
        if (escapes && sql[j] === '\\') j += 2;
        else if (sql[j] === ch && sql[j + 1] === ch) j += 2;
        else if (sql[j] === ch) break;
        else j++;
      }
      end = Math.min(j + 1, sql.length);
    } else if (ch === '$' && !/[A-Za-z0-9_]/.test(sql[i - 1] ?? '')) {
      const tag = /^\$([A-Za-z_][A-Za-z0-9_]*)?\$/.exec(sql.slice(i));
      if (tag) {
        const close = sql.indexOf(tag[0], i + tag[0].length);
        end = close === -1 ? sql.length : close + tag[0].length;
      }
    }
    if (end === -1) {
      code += ch;
      i++;
    } else {
      flushCode();
      out.push({ code: false, text: sql.slice(i, end) });
      i = end;
    }
  }
  flushCode();
  return out;
}

/** Splits a script into statements on top-level semicolons; empty statements are dropped. */
export function splitStatements(sql: string): string[] {
  const statements: string[] = [];
  let current = '';
  for (const segment of segments(sql)) {
    if (!segment.code) {
      current += segment.text;
      continue;
    }
    const parts = segment.text.split(';');
    for (let p = 0; p < parts.length; p++) {
      current += parts[p];
      if (p < parts.length - 1) {
        statements.push(current);
        current = '';
      }
    }
  }
  statements.push(current);
  return statements.map((s) => s.trim()).filter((s) => stripComments(s).trim().length > 0);
}

function stripComments(sql: string): string {
  return segments(sql)
    .filter((s) => s.code || !(s.text.startsWith('--') || s.text.startsWith('/*')))
    .map((s) => s.text)
    .join('');
}

/** Rewrites `$1`, `$2` … as `:p1`, `:p2` … and returns the highest index used. */
export function toNamedParameters(sql: string): { sql: string; count: number } {
  let count = 0;
  const text = segments(sql)
    .map((segment) =>
      segment.code
        ? segment.text.replace(/(^|[^A-Za-z0-9_$])\$(\d+)/g, (_match, before: string, n: string) => {
            count = Math.max(count, Number(n));
            return `${before}:p${n}`;
          })
        : segment.text,
    )
    .join('');
  return { sql: text, count };
}
