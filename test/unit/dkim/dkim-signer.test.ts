/** The relay's DKIM signing: one signature per domain, so a list copy signed already is left alone. */
import { generateKeyPairSync } from 'node:crypto';
import { signMessage } from '../../../core/dkim/dkim-signer';

const { privateKey } = generateKeyPairSync('rsa', { modulusLength: 1024 });
const key = {
  domain: 'lists.test',
  selector: 's1',
  privateKey: privateKey.export({ type: 'pkcs8', format: 'pem' }).toString(),
};
const keyFor = async (domain: string) => (domain === 'lists.test' ? key : null);
const message = Buffer.from(
  'From: Dev via list <dev@lists.test>\r\nTo: bob@remote.test\r\nSubject: hi\r\n\r\nbody\r\n',
);
const signatures = (m: Buffer) => (m.toString('latin1').match(/^DKIM-Signature:/gim) ?? []).length;

it('signs with the From domain once, and not again when that domain signed already', async () => {
  const once = await signMessage(message, 'dev-bounces@lists.test', keyFor);
  expect(signatures(once)).toBe(1);
  expect(once.toString('latin1')).toMatch(/d=lists\.test/);
  const twice = await signMessage(once, 'dev-bounces@lists.test', keyFor);
  expect(twice.equals(once)).toBe(true);
});

it('still signs a message that carries only another domain’s signature', async () => {
  const foreign = Buffer.concat([
    Buffer.from('DKIM-Signature: v=1; a=rsa-sha256; d=author.test; s=x; b=abc\r\n'),
    message,
  ]);
  expect(signatures(await signMessage(foreign, 'dev-bounces@lists.test', keyFor))).toBe(2);
});
