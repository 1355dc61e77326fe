/** runSieve never throws and never loses mail, whatever the message bytes. */
import fc from 'fast-check';
import { runSieve } from '../../../core/sieve';
import { compile, env } from './helpers';

const SCRIPT =
  compile(`require ["fileinto","variables","body","date","index","relational","editheader","envelope",
  "subaddress","imap4flags","duplicate","comparator-i;ascii-numeric"];
  if header :matches "subject" "*" { set "s" "\${1}"; }
  if address :detail :contains ["from","to","cc"] "a" { addflag "$A"; }
  if body :text :contains "x" { fileinto "X-\${s}"; }
  if date :index 1 :value "ge" "date" "year" "2000" { fileinto "Y"; }
  if header :count "ge" :comparator "i;ascii-numeric" "received" "1" { fileinto "R"; }
  if duplicate { discard; }
  deleteheader :contains "x-a" "b";
  addheader "X-Seen" "\${s}";`);

const headerLine = fc
  .tuple(
    fc.constantFrom('Subject', 'From', 'To', 'Cc', 'Date', 'Received', 'Content-Type', 'X-A', 'Message-ID'),
    fc.string({ maxLength: 60 }),
  )
  .map(([n, v]) => `${n}: ${v}`);

describe('runSieve properties', () => {
  it('arbitrary messages: a result with at least one action, no exception', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.oneof(
          fc.uint8Array({ maxLength: 400 }).map((b) => Buffer.from(b)),
          fc
            .tuple(fc.array(headerLine, { maxLength: 8 }), fc.string({ maxLength: 100 }))
            .map(([h, body]) => Buffer.from(`${h.join('\r\n')}\r\n\r\n${body}`)),
        ),
        async (message) => {
          const r = await runSieve(SCRIPT, env({ message }));
          expect(r.actions.length).toBeGreaterThan(0);
          expect(r.error).toBeUndefined();
        },
      ),
      { numRuns: 200 },
    );
  });
});
