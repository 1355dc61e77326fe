import fc from 'fast-check';
import { mboxrdEntry, parseMboxrd } from '../../../core/lists/archive/mbox';

// Lines that stress mboxrd: From_ lines at any quoting depth, empty lines, ordinary text.
const line = fc.oneof(
  fc.constantFrom('From me', '>From you', '>>From them', 'From', ' From x', '', '>', 'From:'),
  fc.string({ maxLength: 20 }).map((s) => s.replace(/[\r\n]/g, '')),
);
const message = fc
  .tuple(fc.array(line, { minLength: 0, maxLength: 12 }))
  .map(([body]) => Buffer.from(['Subject: t', '', ...body].join('\r\n') + '\r\n', 'latin1'));

describe('mboxrd', () => {
  test('any sequence of messages round-trips, whatever From_ lines their bodies hold', () => {
    fc.assert(
      fc.property(fc.array(message, { minLength: 1, maxLength: 5 }), (messages) => {
        const file = Buffer.concat(messages.map((m) => mboxrdEntry(m, 'a@b.example', new Date(0))));
        const back = parseMboxrd(file);
        expect(back.map((b) => b.toString('latin1'))).toEqual(messages.map((m) => m.toString('latin1')));
      }),
    );
  });

  test('no line of the file starts with "From " except the separators', () => {
    fc.assert(
      fc.property(message, (m) => {
        const lines = mboxrdEntry(m, 'a b@c', new Date(0)).toString('latin1').split('\n');
        expect(lines[0]).toMatch(/^From ab@c Thu Jan {2}1 00:00:00 1970$/);
        expect(lines.slice(1).filter((l) => l.startsWith('From '))).toEqual([]);
      }),
    );
  });
});
