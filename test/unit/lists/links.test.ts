/** The addresses and links the lists mail out: reply-to-act addresses keep to 64 octets. */
import { confirmAddress, replyableConfirmAddress } from '../../../core/lists/links';
import { issueToken, newConfirmToken } from '../../../core/lists/tokens';

const secret = Buffer.alloc(32, 7);
const moderation = issueToken(
  secret,
  { kind: 'moderate', heldId: '123456' },
  new Date('2027-01-01T00:00:00Z'),
);

test('a short list name gets the reply-to-act address', () => {
  const list = { address: 'dev@lists.test' };
  expect(replyableConfirmAddress(list, moderation)).toBe(confirmAddress(list, moderation));
});

test('a long list name with a MAC token gets none (the link only), never an over-long local part', () => {
  const list = { address: 'engineering-platform-announcements@lists.test' };
  const address = confirmAddress(list, moderation);
  expect(address.slice(0, address.indexOf('@')).length).toBeGreaterThan(64);
  expect(replyableConfirmAddress(list, moderation)).toBeNull();
});

test('a confirmation token fits with a long list name, up to the limit', () => {
  const token = newConfirmToken();
  const fits = { address: `${'a'.repeat(64 - '-confirm+'.length - token.length)}@lists.test` };
  expect(replyableConfirmAddress(fits, token)).not.toBeNull();
  expect(replyableConfirmAddress({ address: `b${fits.address}` }, token)).toBeNull();
});
