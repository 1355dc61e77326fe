/**
 * The differential engine itself (runs in `npm test`): the response reader, the canonical
 * printer and the normaliser must make equal what the RFCs let servers spell differently, and
 * nothing else; the allowlist must explain exactly the lines it names.
 */
import fc from 'fast-check';
import net from 'node:net';
import { compareTranscripts, type KnownDifference } from './diff';
import { normalise, originalPositions, seqSet } from './normalise';
import type { StepRecord } from './script';
import { parseItems, print, type Node } from './sexp';
import { splitAtSyncLiterals, WireClient } from './wire';

const SEED = 20261203;
const RUNS = 200;

const record = (responses: string[], over: Partial<StepRecord> = {}): StepRecord => ({
  index: 0,
  session: 'a',
  label: 'X',
  tag: 't0',
  sent: 'X',
  responses,
  incomplete: null,
  statusOnly: false,
  capabilities: false,
  ...over,
});

const lines = (responses: string[], over: Partial<StepRecord> = {}): string[] =>
  normalise([record(responses, over)])[0].lines;

describe('canonical printing', () => {
  it('prints a quoted string, a literal and an atom with the same value alike, NIL apart', () => {
    const a = parseItems('("INBOX" {5}\r\nINBOX INBOX NIL "NIL")').map(print);
    expect(a).toEqual(['(INBOX INBOX INBOX NIL "NIL")']);
    expect(parseItems('BODY[HEADER.FIELDS (A B)]<0> {2}\r\nab').map(print)).toEqual([
      'BODY[HEADER.FIELDS (A B)]<0>',
      'ab',
    ]);
  });

  const node: fc.Arbitrary<Node> = fc.letrec<{ node: Node }>((tie) => ({
    node: fc.oneof(
      { depthSize: 'small' },
      fc.constant<Node>({ t: 'nil' }),
      fc
        .stringMatching(/^[A-Za-z0-9\\$]{1,8}$/)
        .map((v): Node => (v.toUpperCase() === 'NIL' ? { t: 'nil' } : { t: 'atom', v })),
      fc.string({ maxLength: 12 }).map((v): Node => ({ t: 'str', v: v.replace(/[\r\n]/g, ' ') })),
      fc.array(tie('node'), { maxLength: 4 }).map((items): Node => ({ t: 'list', items })),
    ),
  })).node;

  it('is a fixed point: parse(print(x)) prints as x, and every spelling of a string reads back', () => {
    fc.assert(
      fc.property(node, (n) => {
        const once = print(n);
        const again = parseItems(once).map(print).join(' ');
        expect(again).toBe(once);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('never throws, whatever the bytes', () => {
    fc.assert(
      fc.property(fc.string({ maxLength: 80 }), (s) => {
        parseItems(s).map(print);
        lines([`* ${s}`, `t0 OK ${s}`]);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});

describe('normalising', () => {
  it('folds what servers may choose: texts, item and flag order, UIDVALIDITY, dates, MIME case', () => {
    const dovecot = lines([
      '* FLAGS (\\Seen \\Answered $Forwarded)',
      '* OK [UIDVALIDITY 1796295106] UIDs valid',
      '* 1 FETCH (UID 7 FLAGS (\\Seen \\Flagged) INTERNALDATE "01-Jan-2024 10:00:00 +0000")',
      '* 1 FETCH (BODYSTRUCTURE ("text" "plain" ("charset" "us-ascii") NIL NIL "7bit" 5 1 NIL NIL NIL NIL))',
      't0 OK [READ-WRITE] Select completed (0.001 + 0.000 secs).',
    ]);
    const nimbus = lines([
      '* OK [UIDVALIDITY 42] UIDs valid',
      '* FLAGS (\\Answered \\Seen)',
      '* 1 FETCH (FLAGS (\\Flagged \\Seen) INTERNALDATE "02-Feb-2025 11:00:00 +0100" UID 7)',
      '* 1 FETCH (BODYSTRUCTURE ("TEXT" "PLAIN" ("CHARSET" "US-ASCII") NIL NIL "7BIT" 5 1 NIL NIL NIL NIL))',
      't0 OK [READ-WRITE] SELECT completed',
    ]);
    expect(nimbus).toEqual(dovecot);
  });

  it('keeps what is meaningful: a flag, a UID, a status, a body byte', () => {
    const base = ['* 1 FETCH (UID 7 FLAGS (\\Seen) BODY[] "ab")', 't0 OK done'];
    expect(lines(['* 1 FETCH (UID 8 FLAGS (\\Seen) BODY[] "ab")', 't0 OK done'])).not.toEqual(lines(base));
    expect(lines(['* 1 FETCH (UID 7 FLAGS () BODY[] "ab")', 't0 OK done'])).not.toEqual(lines(base));
    expect(lines(['* 1 FETCH (UID 7 FLAGS (\\Seen) BODY[] "aB")', 't0 OK done'])).not.toEqual(lines(base));
    expect(lines(['* 1 FETCH (UID 7 FLAGS (\\Seen) BODY[] "ab")', 't0 NO done'])).not.toEqual(lines(base));
  });

  it('compares MODSEQ by order only: a step either reaches a new highest value or not', () => {
    const run = (values: number[]): string[][] =>
      normalise(
        values.map((v, i) =>
          record([`* 1 FETCH (MODSEQ (${v}))`, `t${i} OK`], {
            index: i,
            tag: `t${i}`,
            sent: 'FETCH 1 MODSEQ',
          }),
        ),
      ).map((s) => s.lines);
    expect(run([5, 9, 9, 12])).toEqual(run([100, 101, 101, 250]));
    expect(run([5, 9, 9, 12])).not.toEqual(run([5, 9, 10, 12]));
  });

  it('respells sequence sets canonically (sets sorted, lists in order)', () => {
    const spell = fc.uniqueArray(fc.integer({ min: 1, max: 60 }), { minLength: 1, maxLength: 20 });
    fc.assert(
      fc.property(spell, fc.boolean(), (numbers, shuffle) => {
        const sorted = [...numbers].sort((a, b) => a - b);
        const spelt = (shuffle ? numbers : sorted).join(',');
        const canonical = seqSet({ t: 'atom', v: spelt }, true);
        const expanded = canonical.split(',').flatMap((r) => {
          const [a, b] = r.split(':').map(Number);
          return b === undefined ? [a] : Array.from({ length: b - a + 1 }, (_, i) => a + i);
        });
        expect(expanded).toEqual(sorted);
        expect(seqSet({ t: 'atom', v: canonical }, true)).toBe(canonical);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('reads a run of EXPUNGE responses as the positions the messages had', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 30 }).chain((n) =>
          fc.tuple(
            fc.constant(n),
            fc.shuffledSubarray(
              Array.from({ length: n }, (_, i) => i + 1),
              { minLength: 1 },
            ),
          ),
        ),
        ([n, victims]) => {
          const alive = Array.from({ length: n }, (_, i) => i + 1);
          const expunges = victims.map((v) => {
            const seq = alive.indexOf(v) + 1;
            alive.splice(seq - 1, 1);
            return seq;
          });
          expect(originalPositions(expunges)).toEqual([...victims].sort((a, b) => a - b));
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('compares bad input by status and response-code name only', () => {
    const a = lines(['t0 BAD [PARSE] Unknown command FROB'], { statusOnly: true });
    expect(a).toEqual(lines(['t0 BAD [PARSE] Error in IMAP command: Unknown command'], { statusOnly: true }));
    expect(a).not.toEqual(lines(['t0 NO [PARSE] x'], { statusOnly: true }));
    expect(a).not.toEqual(lines(['t0 BAD x'], { statusOnly: true }));
  });
});

describe('the allowlist', () => {
  const step = (l: string[]) => [
    { index: 0, session: 'a', label: 'SELECT INBOX', sent: 'SELECT INBOX', lines: l },
  ];

  it('explains a pair only when both of its lines are there, and nothing else', () => {
    const pair: KnownDifference = {
      script: 's',
      nimbus: /^TAGGED NO \[[A-Z]+\]$/,
      dovecot: /^TAGGED NO$/,
      kind: 'rfc-allows-both',
      reason: 'codes are optional',
    };
    const explained = compareTranscripts('s', step(['TAGGED NO [NONEXISTENT]']), step(['TAGGED NO']), [pair]);
    expect(explained[0].unexplained).toEqual([]);
    const other = compareTranscripts('s', step(['TAGGED NO [NONEXISTENT]']), step(['TAGGED OK']), [pair]);
    expect(other[0].unexplained).toEqual(['nimbus: TAGGED NO [NONEXISTENT]', 'dovecot: TAGGED OK']);
    const elsewhere = compareTranscripts('t', step(['TAGGED NO [X]']), step(['TAGGED NO']), [pair]);
    expect(elsewhere[0].unexplained).toHaveLength(2);
  });
});

describe('the wire client', () => {
  it('splits at synchronising literals only, never inside a literal', () => {
    const cmd = 'APPEND A {7}\r\nx{5}\r\nyz {3+}\r\nabc {2}\r\nhi';
    const pieces = splitAtSyncLiterals(cmd);
    expect(pieces).toEqual(['APPEND A {7}\r\n', 'x{5}\r\nyz {3+}\r\nabc {2}\r\n', 'hi']);
    expect(pieces.join('')).toBe(cmd);
  });

  it('reads the same responses however the bytes are packeted', async () => {
    const stream = '* 1 FETCH (BODY[] {12}\r\nline\r\n{3}\r\nab UID 1)\r\n* OK [ALERT] x\r\nt1 OK done\r\n';
    const expected = ['* 1 FETCH (BODY[] {12}\r\nline\r\n{3}\r\nab UID 1)', '* OK [ALERT] x', 't1 OK done'];
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 30 }),
        async (cuts) => {
          const server = net.createServer(async (socket) => {
            let pos = 0;
            for (const cut of [...cuts, stream.length]) {
              if (pos >= stream.length) break;
              socket.write(stream.slice(pos, pos + cut));
              pos += cut;
              await new Promise((r) => setImmediate(r));
            }
          });
          await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
          const wire = await WireClient.connect((server.address() as net.AddressInfo).port);
          try {
            expect(await wire.waitFor((r) => r.startsWith('t1 '), 5_000)).toBe(true);
            expect(wire.drain()).toEqual(expected);
          } finally {
            wire.close();
            await new Promise((r) => server.close(r));
          }
        },
      ),
      { seed: SEED, numRuns: 25 },
    );
  });
});
