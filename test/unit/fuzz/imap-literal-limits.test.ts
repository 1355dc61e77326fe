/**
 * Literal limits by command (containers/imap/literal-limits.ts): APPEND, REPLACE and CATENATE TEXT
 * literals are message literals (APPENDLIMIT, [TOOBIG], quota); others have the command limit.
 */
import fc from 'fast-check';
import { checkLiteral } from '../../../containers/imap/literal-limits';

const OPTIONS = { maxLiteralSize: 100_000, maxCommandLineLength: 2000 };
const check = (prefix: string, size: number, sync = true) =>
  checkLiteral(Buffer.from(prefix, 'latin1'), size, sync, true, OPTIONS);

test.each([
  ['a APPEND INBOX {10}\r\n', true],
  ['a append INBOX (\\Seen) {10}\r\n', true],
  ['a APPEND INBOX CATENATE (URL "/INBOX;UID=1" TEXT {10}\r\n', true],
  ['a REPLACE 1 INBOX {10}\r\n', true],
  ['a UID REPLACE 7 Drafts CATENATE (TEXT {10}\r\n', true],
  ['a UID replace 7 Drafts ~{10}\r\n', true],
  ['a SEARCH TEXT {10}\r\n', false],
  ['a LOGIN {10}\r\n', false],
  ['a REPLACEX 1 INBOX {10}\r\n', false],
])('%j is a message literal: %s', (prefix, append) => {
  expect(check(prefix, 10).append).toBe(append);
});

test('a message literal over APPENDLIMIT is NO [TOOBIG] with its tag; others BAD', () => {
  expect(check('t1 UID REPLACE 7 INBOX {100001}\r\n', 100_001).tooLarge?.response).toMatch(/^NO \[TOOBIG\]/);
  expect(check('t1 APPEND INBOX CATENATE (TEXT {100001}\r\n', 100_001).tag).toBe('t1');
  expect(check('t2 SEARCH TEXT {1048577}\r\n', 1_048_577).tooLarge?.response).toBe('BAD Literal too large');
  expect(check('t3 REPLACE 1 INBOX {100000}\r\n', 100_000).tooLarge).toBeNull();
});

test('property: the verdict depends only on the size for message literals', () => {
  fc.assert(
    fc.property(
      fc.constantFrom('APPEND INBOX ', 'REPLACE 1 INBOX ', 'UID REPLACE 9 INBOX CATENATE (TEXT '),
      fc.integer({ min: 0, max: 1_000_000 }),
      fc.boolean(),
      (command, size, sync) => {
        const result = check(`tag ${command}{${size}}\r\n`, size, sync);
        expect(result.append).toBe(true);
        expect(result.tooLarge === null).toBe(size <= OPTIONS.maxLiteralSize);
      },
    ),
    { seed: 20261203, numRuns: 300 },
  );
});
