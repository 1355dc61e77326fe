import fc from 'fast-check';

/** A generated MIME entity: its header lines (Content-* only) and body, plus its leaves' bodies. */
export interface Entity {
  headers: string[];
  body: string;
  leaves: string[];
  type: string;
}

const line = fc.stringMatching(/^[ -~]{0,60}$/).filter((l) => !l.startsWith('--') && !l.startsWith('From '));
const text = fc.array(line, { minLength: 0, maxLength: 5 }).map((lines) => lines.join('\r\n'));

const leaf: fc.Arbitrary<Entity> = fc.oneof(
  text.map((body) => ({
    headers: ['Content-Type: text/plain; charset=us-ascii'],
    body,
    leaves: [body],
    type: 'text/plain',
  })),
  text.map((body) => ({
    headers: ['Content-Type: text/plain; charset=utf-8', 'Content-Transfer-Encoding: 8bit'],
    body: body + '\r\nÜber',
    leaves: [body + '\r\nÜber'],
    type: 'text/plain',
  })),
  text.map((body) => ({
    headers: ['Content-Type: text/html; charset=us-ascii'],
    body,
    leaves: [body],
    type: 'text/html',
  })),
  fc.uint8Array({ maxLength: 90 }).map((bytes) => {
    const body = (
      Buffer.from(bytes)
        .toString('base64')
        .match(/.{1,76}/g) ?? []
    ).join('\r\n');
    return {
      headers: ['Content-Type: application/octet-stream', 'Content-Transfer-Encoding: base64'],
      body,
      leaves: [body],
      type: 'application/octet-stream',
    };
  }),
);

let counter = 0;
const multipart = (child: fc.Arbitrary<Entity>): fc.Arbitrary<Entity> =>
  fc
    .tuple(
      fc.constantFrom('mixed', 'alternative', 'related', 'signed'),
      fc.array(child, { minLength: 1, maxLength: 3 }),
    )
    .map(([subtype, parts]) => {
      const boundary = `b${++counter}x${Math.random().toString(36).slice(2, 8)}`;
      const extra = subtype === 'signed' ? '; protocol="application/pgp-signature"; micalg=pgp-sha256' : '';
      const body =
        parts.map((p) => `--${boundary}\r\n${p.headers.join('\r\n')}\r\n\r\n${p.body}\r\n`).join('') +
        `--${boundary}--`;
      return {
        headers: [`Content-Type: multipart/${subtype}; boundary="${boundary}"${extra}`],
        body,
        leaves: parts.flatMap((p) => p.leaves),
        type: `multipart/${subtype}`,
      };
    });

export const entity: fc.Arbitrary<Entity> = fc.letrec<{ e: Entity }>((tie) => ({
  e: fc.oneof({ depthSize: 'small', withCrossShrink: true }, leaf, multipart(tie('e'))),
})).e;

export function messageOf(e: Entity): Buffer {
  return Buffer.from(
    `From: Alice <alice@remote.test>\r\nTo: dev@lists.test\r\nSubject: s\r\nMIME-Version: 1.0\r\n${e.headers.join('\r\n')}\r\n\r\n${e.body}\r\n`,
    'utf8',
  );
}
