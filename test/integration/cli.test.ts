import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import nodemailer from 'nodemailer';
import { ANY_PORTS_ARGS, ANY_PORTS_ENV, NodeProcess, nimbus } from '../helpers/node-process';

let dataDir: string;
const data = () => ['--data', dataDir];
/** Passes the password policy (core/security/password-policy); weak ones: test/integration/security-policy.test.ts. */
const STRONG = 'Quartz-Ferry-Lodge-31';

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-cli-'));
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

describe('admin CLI without a running node (opens the database directly)', () => {
  it('manages domains, users, aliases and catch-all with reliable exit codes', () => {
    expect(nimbus([...data(), 'domain', 'add', 'cli.test'])).toMatchObject({ status: 0 });
    expect(nimbus([...data(), 'domain', 'add', 'cli.test'])).toMatchObject({ status: 4 });
    expect(nimbus([...data(), 'domain', 'add', 'not a domain']).status).toBe(5);

    const add = nimbus([...data(), 'user', 'add', 'dave@cli.test', '--password-stdin', '--quota', '1G'], {
      input: 'Glacier-Maple-74\n',
    });
    expect(add).toMatchObject({ status: 0 });
    expect(add.stdout + add.stderr).not.toContain('Glacier-Maple-74');
    expect(nimbus([...data(), 'user', 'add', 'dave@cli.test', '--password', STRONG]).status).toBe(4);
    const unknown = nimbus([...data(), 'user', 'add', 'eve@unknown.test', '--password', STRONG]);
    expect(unknown.status).toBe(3);
    expect(unknown.stderr.trim().split('\n')).toHaveLength(1);
    expect(unknown.stderr).toMatch(/unknown\.test is not hosted here/);
    expect(nimbus([...data(), 'user', 'add', 'bad address', '--password', STRONG]).status).toBe(5);
    expect(nimbus([...data(), 'user', 'add', 'nopw@cli.test']).status).toBe(5);

    const users = JSON.parse(nimbus([...data(), 'user', 'list', '--json']).stdout) as {
      address: string;
      quotaBytes: number;
    }[];
    expect(users).toEqual([expect.objectContaining({ address: 'dave@cli.test', quotaBytes: 1024 ** 3 })]);
    expect(JSON.stringify(users)).not.toMatch(/scrypt|password/i);

    expect(
      nimbus([...data(), 'alias', 'add', 'info@cli.test', 'dave@cli.test', 'ext@remote.test']).status,
    ).toBe(0);
    const aliases = JSON.parse(nimbus([...data(), 'alias', 'list', '--json']).stdout);
    expect(aliases).toEqual([
      { source: 'info@cli.test', target: 'dave@cli.test' },
      { source: 'info@cli.test', target: 'ext@remote.test' },
    ]);
    expect(nimbus([...data(), 'alias', 'remove', 'info@cli.test', 'ext@remote.test']).status).toBe(0);
    expect(nimbus([...data(), 'alias', 'remove', 'nothing@cli.test']).status).toBe(3);
    expect(nimbus([...data(), 'domain', 'catchall', 'cli.test', 'dave@cli.test']).status).toBe(0);
    const domains = JSON.parse(nimbus([...data(), 'domain', 'list', '--json']).stdout);
    expect(domains[0]).toMatchObject({
      name: 'cli.test',
      catchAll: 'dave@cli.test',
      accounts: 1,
      aliases: 1,
    });

    const show = JSON.parse(nimbus([...data(), 'user', 'show', 'dave@cli.test', '--json']).stdout);
    expect(show.mailboxes.map((m: { name: string }) => m.name)).toEqual(
      expect.arrayContaining(['INBOX', 'Sent', 'Drafts', 'Trash', 'Junk', 'Archive']),
    );
    expect(nimbus([...data(), 'user', 'show', 'ghost@cli.test']).status).toBe(3);

    expect(
      nimbus([...data(), 'forward', 'set', 'dave@cli.test', 'dave@remote.test', '--no-keep-copy']).status,
    ).toBe(0);
    expect(JSON.parse(nimbus([...data(), 'forward', 'show', 'dave@cli.test', '--json']).stdout)).toEqual({
      address: 'dave@cli.test',
      targets: ['dave@remote.test'],
      keepCopy: false,
    });
    expect(nimbus([...data(), 'forward', 'list']).stdout).toMatch(/dave@cli\.test\t→ dave@remote\.test/);
    expect(nimbus([...data(), 'forward', 'set', 'dave@cli.test', 'dave@cli.test']).status).toBe(5);
    expect(nimbus([...data(), 'forward', 'set', 'ghost@cli.test', 'x@remote.test']).status).toBe(3);
    expect(nimbus([...data(), 'forward', 'off', 'dave@cli.test']).status).toBe(0);
    expect(JSON.parse(nimbus([...data(), 'forward', 'list', '--json']).stdout)).toEqual([]);
    expect(nimbus([...data(), 'domain', 'remove', 'cli.test']).status).toBe(1);
    expect(nimbus([...data(), 'frobnicate']).status).toBe(2);
  });
});

describe('admin CLI with a running node (through its admin endpoint)', () => {
  it('changes are seen by the running node at once', async () => {
    const node = new NodeProcess(dataDir, ANY_PORTS_ARGS, ANY_PORTS_ENV);
    const ports = await node.start();
    try {
      const added = nimbus([...data(), 'user', 'add', 'erin@cli.test', '--password', STRONG]);
      expect(added.stderr).toBe('');
      expect(added.status).toBe(0);
      const transport = nodemailer.createTransport({ host: '127.0.0.1', port: ports.smtp, ignoreTLS: true });
      const info = await transport.sendMail({
        from: 'a@remote.test',
        to: 'erin@cli.test',
        subject: 'hi',
        text: 'x',
      });
      expect(info.accepted).toEqual(['erin@cli.test']);
      expect(
        nimbus([...data(), 'user', 'passwd', 'erin@cli.test', '--password', 'Harbour-Lantern-58']).status,
      ).toBe(0);
      const queue = nimbus([...data(), 'queue', 'list', '--json']);
      expect(queue.status).toBe(0);
      expect(Array.isArray(JSON.parse(queue.stdout))).toBe(true);
      expect(nimbus([...data(), 'queue', 'show', 'NOSUCHJOB']).status).toBe(3);
      expect(nimbus([...data(), 'user', 'remove', 'erin@cli.test']).status).toBe(0);
      expect(nimbus([...data(), 'user', 'show', 'erin@cli.test']).status).toBe(3);
    } finally {
      expect(await node.kill('SIGTERM')).toBe(0);
    }
  });
});
