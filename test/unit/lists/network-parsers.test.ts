/**
 * The list parsers that face the network (any recipient address, any link, any -request body):
 * VERP addresses, list tokens and mailed commands. They never throw, round-trip what we issue,
 * and refuse what we did not (a forged or altered token, a foreign domain).
 */
import fc from 'fast-check';
import { parseCommands } from '../../../core/lists/commands/parse';
import { issueToken, parseToken, verifyToken } from '../../../core/lists/tokens';
import { decodeVerp, decodeVerpDetail, encodeVerp } from '../../../core/lists/verp';

const LIST = 'dev@lists.test';
const label = fc.stringMatching(/^[a-z0-9]([a-z0-9-]{0,8}[a-z0-9])?$/);
const domain = fc.tuple(label, label).map(([a, b]) => `${a}.${b}`);
const local = fc.stringMatching(/^[A-Za-z0-9!#$%&'*+/=?^_`{|}~.-]{1,30}$/);
const member = fc.tuple(local, domain).map(([l, d]) => `${l}@${d}`);

it('VERP: every member round-trips through its envelope sender', () => {
  fc.assert(
    fc.property(member, (address) => {
      expect(decodeVerp(LIST, encodeVerp(LIST, address))).toBe(address);
    }),
  );
});

it('VERP: arbitrary addresses never throw, and another domain or list is never decoded', () => {
  fc.assert(
    fc.property(fc.string(), fc.string(), (detail, address) => {
      decodeVerpDetail(detail);
      decodeVerp(LIST, address);
      expect(decodeVerp(LIST, `dev-bounces+${detail}@other.test`)).toBeNull();
      expect(decodeVerp(LIST, `ops-bounces+${detail}@lists.test`)).toBeNull();
    }),
  );
});

const secret = Buffer.from('list token secret for the property test');
const future = new Date('2030-01-01T00:00:00Z');
const now = new Date('2026-12-01T00:00:00Z');
const claim = fc.oneof(
  fc.record({
    kind: fc.constant('unsubscribe' as const),
    listId: fc.nat().map(String),
    memberId: fc.nat().map(String),
  }),
  fc.record({ kind: fc.constant('moderate' as const), heldId: fc.nat().map(String) }),
);

it('tokens: an issued token verifies to its claim; any change to it fails', () => {
  fc.assert(
    fc.property(claim, fc.nat(), (c, position) => {
      const token = issueToken(secret, c, future);
      expect(verifyToken(secret, token, now)).toEqual(c);
      expect(verifyToken(Buffer.from('another secret'), token, now)).toBeNull();
      expect(verifyToken(secret, token, new Date('2031-01-01T00:00:00Z'))).toBeNull();
      const i = position % token.length;
      const altered = token.slice(0, i) + (token[i] === '0' ? '1' : '0') + token.slice(i + 1);
      if (altered !== token) expect(verifyToken(secret, altered, now)).not.toEqual(c);
    }),
  );
});

it('tokens and mailed commands: arbitrary input never throws, and commands stay bounded', () => {
  fc.assert(
    fc.property(
      fc.string(),
      fc.option(fc.string()),
      fc.string({ maxLength: 5000 }),
      (text, subject, body) => {
        parseToken(text);
        verifyToken(secret, text, now);
        expect(parseCommands(subject, body).length).toBeLessThanOrEqual(10);
      },
    ),
  );
});
