/**
 * The ManageSieve command parser (RFC 5804 §4): commands made of atoms, quoted strings and
 * literals survive any packeting; arbitrary bytes never throw; literal and line limits hold
 * without buffering what they refuse.
 */
import fc from 'fast-check';
import { CommandReader, type ReadItem } from '../../../containers/managesieve/command-reader';
import { parseCommand, type Token } from '../../../containers/managesieve/parser';
import { sieveString } from '../../../containers/managesieve/responses';

const SEED = 20261203;
const RUNS = 300;
const LIMITS = { maxLineLength: 200, maxLiteralSize: 300 };

type Model = { type: 'atom'; value: string } | { type: 'quoted' | 'literal' | 'sync-literal'; bytes: Buffer };

const atom = fc.stringMatching(/^[A-Za-z0-9!#$&'+\-./:;<=>?@[\]^_`|~]{1,12}$/);
const anyBytes = fc.uint8Array({ maxLength: 60 }).map((a) => Buffer.from(a));
const quotable = fc
  .uint8Array({ maxLength: 40 })
  .map((a) => Buffer.from(a.filter((b) => b !== 0x0d && b !== 0x0a && b !== 0)));

const token: fc.Arbitrary<Model> = fc.oneof(
  atom.map((value) => ({ type: 'atom' as const, value })),
  quotable.map((bytes) => ({ type: 'quoted' as const, bytes })),
  anyBytes.map((bytes) => ({ type: 'literal' as const, bytes })),
  anyBytes.map((bytes) => ({ type: 'sync-literal' as const, bytes })),
);
const command = fc
  .tuple(atom, fc.array(token, { maxLength: 3 }))
  .map(([verb, args]) => [{ type: 'atom' as const, value: verb }, ...args]);

function encode(tokens: Model[]): Buffer {
  const parts: Buffer[] = [];
  tokens.forEach((t, i) => {
    if (i > 0) parts.push(Buffer.from(' '));
    if (t.type === 'atom') parts.push(Buffer.from(t.value, 'latin1'));
    else if (t.type === 'quoted') {
      const escaped = [...t.bytes].flatMap((b) => (b === 0x22 || b === 0x5c ? [0x5c, b] : [b]));
      parts.push(Buffer.from([0x22, ...escaped, 0x22]));
    } else parts.push(Buffer.from(`{${t.bytes.length}${t.type === 'literal' ? '+' : ''}}\r\n`), t.bytes);
  });
  parts.push(Buffer.from('\r\n'));
  return Buffer.concat(parts);
}

const expected = (tokens: Model[]) =>
  tokens.map((t) => (t.type === 'atom' ? `atom:${t.value}` : `string:${t.bytes.toString('hex')}`));
const shown = (tokens: Token[]) =>
  tokens.map((t) => (t.type === 'atom' ? `atom:${t.value}` : `string:${t.bytes.toString('hex')}`));

/** Feeds `stream` in chunks cut at `cuts`, collecting every item. */
function readAll(stream: Buffer, cuts: number[], limits = LIMITS): ReadItem[] {
  const reader = new CommandReader(limits);
  const items: ReadItem[] = [];
  const points = [...new Set(cuts.map((c) => c % (stream.length + 1)))].sort((a, b) => a - b);
  let from = 0;
  for (const point of [...points, stream.length]) {
    reader.push(stream.subarray(from, point));
    from = point;
    for (let item = reader.next(); item; item = reader.next()) items.push(item);
  }
  return items;
}

const fits = (tokens: Model[]) =>
  tokens.reduce((n, t) => n + (t.type === 'literal' || t.type === 'sync-literal' ? t.bytes.length : 0), 0) <=
    LIMITS.maxLiteralSize && tokens.every((t) => t.type !== 'quoted' || t.bytes.length < 90);

describe('ManageSieve command parser', () => {
  it('reads pipelined commands the same however the bytes are packeted', () => {
    fc.assert(
      fc.property(
        fc.array(command, { minLength: 1, maxLength: 5 }),
        fc.array(fc.nat(), { maxLength: 8 }),
        (cmds, cuts) => {
          fc.pre(cmds.every(fits));
          const items = readAll(Buffer.concat(cmds.map(encode)), cuts);
          expect(items.map((i) => (i.kind === 'command' ? shown(i.tokens) : i.message))).toEqual(
            cmds.map(expected),
          );
        },
      ),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('never throws on arbitrary bytes and always makes progress', () => {
    const noise = fc
      .array(
        fc.constantFrom(
          '"',
          '\\',
          '{',
          '}',
          '+',
          '1',
          '9',
          ' ',
          '\r',
          '\n',
          '\0',
          'A',
          '\xff',
          '{5+}\r\n',
          'PUTSCRIPT',
        ),
        {
          maxLength: 60,
        },
      )
      .map((p) => Buffer.from(p.join(''), 'latin1'));
    fc.assert(
      fc.property(noise, fc.array(fc.nat(), { maxLength: 5 }), (stream, cuts) => {
        const items = readAll(Buffer.concat([stream, Buffer.from('\r\nNOOP\r\n')]), cuts);
        // Whatever came before, a clean command after the garbage's last line is still read.
        expect(items.length).toBeGreaterThan(0);
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });

  it('refuses a literal above the limit without buffering it, then reads the next command', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: LIMITS.maxLiteralSize + 1, max: 5000 }),
        fc.array(fc.nat(), { maxLength: 6 }),
        (size, cuts) => {
          const stream = Buffer.concat([
            Buffer.from(`PUTSCRIPT "a" {${size}+}\r\n`),
            Buffer.alloc(size, 0x41),
            Buffer.from(' trailing\r\nLISTSCRIPTS\r\n'),
          ]);
          const reader = new CommandReader(LIMITS);
          const items: ReadItem[] = [];
          const points = [...new Set(cuts.map((c) => c % stream.length))].sort((a, b) => a - b);
          let from = 0;
          for (const point of [...points, stream.length]) {
            reader.push(stream.subarray(from, point));
            from = point;
            for (let item = reader.next(); item; item = reader.next()) items.push(item);
            expect(reader.pending).toBeLessThanOrEqual(LIMITS.maxLineLength + LIMITS.maxLiteralSize + 64);
          }
          expect(items).toHaveLength(2);
          expect(items[0]).toMatchObject({ kind: 'error', tooLarge: true });
          expect(items[1]).toMatchObject({
            kind: 'command',
            tokens: [{ type: 'atom', value: 'LISTSCRIPTS' }],
          });
        },
      ),
      { seed: SEED, numRuns: 100 },
    );
  });

  it('counts every literal of a command towards the limit', () => {
    const a = Buffer.alloc(200, 0x61);
    const stream = Buffer.concat([
      Buffer.from('RENAMESCRIPT {200+}\r\n'),
      a,
      Buffer.from(' {200+}\r\n'),
      a,
      Buffer.from('\r\n'),
    ]);
    expect(readAll(stream, [])[0]).toMatchObject({ kind: 'error', tooLarge: true });
  });

  it('refuses an over-long line once and drops it up to its end', () => {
    const stream = Buffer.from(`NOOP "${'x'.repeat(500)}"\r\nLOGOUT\r\n`);
    const items = readAll(stream, [3, 100, 250]);
    expect(items).toEqual([
      { kind: 'error', message: 'Line too long' },
      { kind: 'command', tokens: [{ type: 'atom', value: 'LOGOUT' }] },
    ]);
  });

  it.each([
    ['NOOP "a\\x"\r\n', 'Invalid escape in quoted string'],
    ['NOOP "a\r\n', 'Invalid character in quoted string'],
    ['NOOP {x+}\r\n', 'Invalid literal'],
    ['NOOP  "a"\r\n', 'Unexpected space'],
    ['NOOP "a"b\r\n', 'Expected a space between arguments'],
    ['\r\n', 'Empty command'],
    ['NOOP (a)\r\n', 'Invalid character in command'],
  ])('answers %j with a syntax error', (input, message) => {
    const outcome = parseCommand(Buffer.from(input, 'latin1'), LIMITS);
    expect(outcome).toMatchObject({ kind: 'error', message });
  });

  it('waits for the whole literal and says how much it needs', () => {
    const outcome = parseCommand(Buffer.from('PUTSCRIPT "s" {10+}\r\nkeep;'), LIMITS);
    expect(outcome).toEqual({ kind: 'incomplete', need: 'PUTSCRIPT "s" {10+}\r\n'.length + 10 });
  });

  it('reads back every string the server writes (quoted or {n} literal)', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 80 }), fc.constantFrom(0, 1100), (text, pad) => {
        const value = text + 'x'.repeat(pad);
        const outcome = parseCommand(Buffer.from(`X ${sieveString(value)}\r\n`), {
          maxLineLength: 4096,
          maxLiteralSize: 4096,
        });
        expect(outcome).toMatchObject({ kind: 'command' });
        const tokens = (outcome as { tokens: Token[] }).tokens;
        expect(tokens[1]).toEqual({ type: 'string', bytes: Buffer.from(value) });
      }),
      { seed: SEED, numRuns: RUNS },
    );
  });
});
