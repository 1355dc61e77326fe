/** Shared by the Sieve unit tests: compile-or-fail, and an environment with defaults. */
import {
  compileSieve,
  runSieve,
  type SieveEnvironment,
  type SieveResult,
  type SieveScript,
} from '../../../core/sieve';

export const MESSAGE = [
  'Return-Path: <alice@example.com>',
  'Received: from a.example by b.example; Thu, 3 Dec 2026 10:00:00 +0000',
  'Received: from c.example by a.example; Thu, 3 Dec 2026 09:59:00 +0100',
  'Message-ID: <m1@example.com>',
  'Date: Wed, 2 Dec 2026 23:30:15 -0500',
  'From: Alice Example <alice+work@example.com>',
  'To: Me <me@x.org>, Bob <bob@y.org>',
  'Cc: carol@z.org',
  'Subject: =?UTF-8?Q?Gr=C3=BC=C3=9Fe?= from the meeting',
  'X-Count: 17',
  'MIME-Version: 1.0',
  'Content-Type: text/plain; charset=utf-8',
  '',
  'Hello there, see you tomorrow.',
  '',
].join('\r\n');

export function compile(text: string): SieveScript {
  const result = compileSieve(text);
  if (!result.ok) throw new Error(`compile failed: ${JSON.stringify(result.error)}`);
  return result.script;
}

export function compileError(text: string): { line: number; column: number; message: string } {
  const result = compileSieve(text);
  if (result.ok) throw new Error('expected a compile error');
  return result.error;
}

export function env(overrides: Partial<SieveEnvironment> = {}): SieveEnvironment {
  return {
    message: Buffer.from(MESSAGE),
    envelope: { from: 'alice@example.com', to: 'me+list@x.org' },
    userAddresses: ['me@x.org'],
    mailboxExists: async (name) => name === 'INBOX' || name === 'Work',
    duplicateSeen: async () => false,
    loadInclude: async () => null,
    now: new Date('2026-12-03T12:00:00Z'),
    timezone: 'UTC',
    ...overrides,
  };
}

export async function run(text: string, overrides: Partial<SieveEnvironment> = {}): Promise<SieveResult> {
  return runSieve(compile(text), env(overrides));
}

/** Mailboxes the result files into ("INBOX" for keep). */
export function folders(result: SieveResult): string[] {
  return result.actions.flatMap((a) =>
    a.type === 'keep' ? ['INBOX'] : a.type === 'fileinto' ? [a.mailbox] : [],
  );
}
