import { generateKeyPairSync } from 'node:crypto';
import type { DkimSigningKey } from '../../../core/dkim/dkim-keys';
import type { PostingList } from '../../../core/lists/posting/types';

export const list: PostingList = {
  id: '7',
  address: 'dev@lists.test',
  name: 'Developers',
  subjectPrefix: '[dev]',
  footer: 'Developers list -- https://web.test/webmail/lists',
  dmarcMitigation: 'munge-from',
};

export function post(extra = '', body = 'Hello list\r\n'): Buffer {
  return Buffer.from(
    'Authentication-Results: mx.lists.test; spf=pass smtp.mailfrom=alice@remote.test; dkim=none; dmarc=pass header.from=remote.test; arc=none\r\n' +
      'From: Alice Example <alice@remote.test>\r\n' +
      'To: dev@lists.test\r\n' +
      'Subject: Build is green\r\n' +
      'Date: Thu, 03 Dec 2026 20:00:00 +0000\r\n' +
      'Message-ID: <m1@remote.test>\r\n' +
      extra +
      'MIME-Version: 1.0\r\n' +
      'Content-Type: text/plain; charset=us-ascii\r\n' +
      '\r\n' +
      body,
  );
}

let cached: { key: DkimSigningKey; publicKey: string } | null = null;

/** One RSA key per test file (2048 bits, as DkimKeyStore makes them). */
export function listKey(): { key: DkimSigningKey; publicKey: string } {
  if (cached) return cached;
  const { publicKey, privateKey } = generateKeyPairSync('rsa', {
    modulusLength: 2048,
    publicKeyEncoding: { type: 'spki', format: 'der' },
    privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
  });
  cached = {
    key: { domain: 'lists.test', selector: 'sel', privateKey },
    publicKey: publicKey.toString('base64'),
  };
  return cached;
}

export const header = (message: Buffer, name: string): string[] => {
  const end = message.indexOf('\r\n\r\n');
  const text = message
    .subarray(0, end)
    .toString('latin1')
    .replace(/\r\n[ \t]+/g, ' ');
  return text
    .split('\r\n')
    .filter((l) => l.toLowerCase().startsWith(name.toLowerCase() + ':'))
    .map((l) => l.slice(name.length + 1).trim());
};
