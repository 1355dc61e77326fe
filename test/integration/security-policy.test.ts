import { mkdtempSync, rmSync } from 'node:fs';
import http from 'node:http';
import os from 'node:os';
import path from 'node:path';
import { NodeProcess, nimbus } from '../helpers/node-process';

/**
 * Issue #11 through the real `nimbus` command and a real node: the password policy on every
 * path (CLI with and without a node, admin API, webmail password change) with exit code 5 or
 * HTTP 400 and a reason; alias loops refused; every change in the audit log with its actor —
 * `cli:<os user>` for the CLI whether it opened the database itself or went through the node.
 */
let dataDir: string;
const run = (...args: string[]) => nimbus(['--data', dataDir, ...args]);
const ACTOR = `cli:${os.userInfo().username}`;
const STRONG = 'Glacier-Maple-74';
const ADMIN_PASSWORD = 'Quartz-Ferry-Lodge-31';

/**
 * A request on a fresh connection each time: between two requests the test runs CLI processes for
 * seconds, and a kept-alive socket may be closed by the server just as it is reused.
 */
function request(
  url: string,
  init: { method?: string; headers?: Record<string, string>; body?: string } = {},
): Promise<{ status: number; headers: http.IncomingHttpHeaders; json(): Promise<unknown> }> {
  return new Promise((resolve, reject) => {
    const req = http.request(
      url,
      { method: init.method ?? 'GET', headers: init.headers, agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => (text += chunk));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, headers: res.headers, json: async () => JSON.parse(text) }),
        );
      },
    );
    req.on('error', reject);
    req.end(init.body);
  });
}

beforeAll(() => {
  dataDir = mkdtempSync(path.join(os.tmpdir(), 'nimbus-policy-'));
});

afterAll(() => {
  rmSync(dataDir, { recursive: true, force: true });
});

// Each CLI run without a node opens the embedded database (seconds each): few of them here, the
// rest of the cases through the node below.
describe('without a running node (the CLI opens the database)', () => {
  it('refuses a weak password and an alias loop with exit code 5 and the reason', () => {
    expect(run('domain', 'add', 'example.org').status).toBe(0);
    const weak = run('user', 'add', 'weak@example.org', '--password', 'x');
    expect(weak.status).toBe(5);
    expect(weak.stderr).toMatch(/at least 10 characters/);
    expect(run('user', 'add', 'weak@example.org', '--password', STRONG).status).toBe(0);
    expect(run('admin', 'add', 'root', '--password', ADMIN_PASSWORD).status).toBe(0);
    expect(run('alias', 'add', 'a1@example.org', 'a2@example.org').status).toBe(0);
    const back = run('alias', 'add', 'a2@example.org', 'a1@example.org');
    expect(back.status).toBe(5);
    expect(back.stderr).toMatch(/loop: a2@example\.org → a1@example\.org → a2@example\.org/);
  });
});

describe('with a running node (the CLI goes through its admin endpoint)', () => {
  let node: NodeProcess;
  let base = '';
  let token = '';

  beforeAll(async () => {
    node = new NodeProcess(dataDir, ['--roles', 'mx,delivery,web', '--smtp-port', '0', '--http-port', '0']);
    base = `http://127.0.0.1:${(await node.start()).http}`;
    const login = await request(`${base}/api/admin/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ name: 'root', password: ADMIN_PASSWORD }),
    });
    expect(login.status).toBe(201);
    token = ((await login.json()) as { token: string }).token;
  });

  afterAll(async () => {
    expect(await node.kill('SIGTERM')).toBe(0);
  });

  const api = (method: string, path: string, body?: unknown) =>
    request(`${base}/api/admin${path}`, {
      method,
      headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' },
      body: body === undefined ? undefined : JSON.stringify(body),
    });

  it('refuses weak passwords on the CLI with exit code 5 and the reason', () => {
    // Every CLI run starts a process (seconds on a busy machine): two here, the other cases by API.
    const cases: [string, RegExp][] = [
      ['password123', /commonly used|too easy to guess/],
      ['weak@example.org', /must not be the address/],
    ];
    for (const [password, reason] of cases) {
      const result = run('user', 'passwd', 'weak@example.org', '--password', password);
      expect(result.status).toBe(5);
      expect(result.stderr).toMatch(reason);
      expect(result.stderr).not.toContain(password); // the reason never echoes it
    }
  });

  it('refuses alias and forwarding loops on the CLI (5) with the path', () => {
    const self = run('alias', 'add', 'a@example.org', 'a@example.org');
    expect(self.status).toBe(5);
    expect(self.stderr).toMatch(/loop: a@example\.org → a@example\.org/);
    expect(run('alias', 'add', 'a2@example.org', 'weak@example.org').status).toBe(0);
    expect(run('forward', 'set', 'weak@example.org', 'a1@example.org').status).toBe(5);
  });

  it('refuses weak passwords and alias loops on the CLI (5) and the admin API (400 with the reason)', async () => {
    const weak = run('user', 'add', 'nat@example.org', '--password', 'nat@example.org');
    expect(weak.status).toBe(5);
    expect(weak.stderr).toMatch(/must not be the address/);
    expect(run('user', 'add', 'nat@example.org', '--password', STRONG).status).toBe(0);
    expect(run('alias', 'add', 'b@example.org', 'b@example.org').status).toBe(5);

    const viaApi = await api('POST', '/users', { address: 'api@example.org', password: 'iloveyou1' });
    expect(viaApi.status).toBe(400);
    expect(await viaApi.json()).toMatchObject({
      code: 'weak-password',
      error: expect.stringMatching(/at least 10/),
    });
    const passwd = await api('PUT', '/users/nat@example.org/password', { password: 'Password2026' });
    expect(passwd.status).toBe(400);
    expect(((await passwd.json()) as { error: string }).error).toMatch(/too easy to guess|commonly used/);
    const admin = await api('POST', '/admins', { name: 'ops', password: '1234567890' });
    expect(admin.status).toBe(400);
    const loop = await api('POST', '/aliases', { source: 'a2@example.org', targets: ['a1@example.org'] });
    expect(loop.status).toBe(400);
    expect(await loop.json()).toMatchObject({ code: 'alias-loop' });
    expect((await api('POST', '/users', { address: 'api@example.org', password: STRONG })).status).toBe(201);
    for (const password of ['qwertyuiop12', 'password1234', 'aaaaaaaaaaaa', 'api@example.org2026']) {
      const refused = await api('PUT', '/users/api@example.org/password', { password });
      expect(refused.status).toBe(400);
      expect(JSON.stringify(await refused.json())).not.toContain(password);
    }
  });

  it('follows the configured policy (security set password.minLength, floor 8)', async () => {
    expect((await api('PUT', '/security/password.minLength', { value: 20 })).status).toBe(200);
    const short = await api('PUT', '/users/api@example.org/password', { password: 'Harbour-Lantern-58' });
    expect(short.status).toBe(400);
    expect(((await short.json()) as { error: string }).error).toMatch(/at least 20 characters/);
    expect((await api('PUT', '/security/password.minLength', { value: 6 })).status).toBe(400);
    expect((await api('DELETE', '/security/password.minLength')).status).toBe(200);
    expect(
      (await api('PUT', '/users/api@example.org/password', { password: 'Harbour-Lantern-58' })).status,
    ).toBe(200);
  });

  it("refuses a weak password in the webmail's password change (400 with the reason)", async () => {
    const login = await request(`${base}/webmail/api/login`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ username: 'nat@example.org', password: STRONG }),
    });
    expect(login.status).toBe(200);
    const { csrf } = (await login.json()) as { csrf: string };
    const cookie = String(login.headers['set-cookie']).split(';')[0];
    const change = (next: string) =>
      request(`${base}/webmail/api/password`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', cookie, 'x-csrf-token': csrf },
        body: JSON.stringify({ current: STRONG, next }),
      });
    const weak = await change('nat@example.org');
    expect(weak.status).toBe(400);
    expect(((await weak.json()) as { error: string }).error).toMatch(/must not be the address/);
    expect((await change('abc')).status).toBe(400);
    expect((await change('Harbour-Lantern-58')).status).toBe(200);
  });

  it('has every change in the audit log: CLI with and without the node, admin API, webmail; no secrets', async () => {
    expect(run('security', 'set', 'greylisting', 'on').status).toBe(0);
    const response = await api('GET', '/audit?limit=1000');
    expect(response.status).toBe(200);
    const log = (await response.json()) as {
      at: string;
      actor: string;
      action: string;
      target: string | null;
      outcome: string;
      old_value: unknown;
      new_value: unknown;
    }[];
    const has = (actor: string, action: string, target: string, outcome = 'ok') =>
      expect(log).toContainEqual(expect.objectContaining({ actor, action, target, outcome }));
    // Made with the database opened directly (before the node started):
    has(ACTOR, 'domain.add', 'example.org');
    has(ACTOR, 'user.add', 'weak@example.org');
    has(ACTOR, 'user.add', 'weak@example.org', 'error: weak-password');
    has(ACTOR, 'admin.add', 'root');
    has(ACTOR, 'alias.add', 'a2@example.org', 'error: alias-loop');
    // Through the node's admin endpoint:
    has(ACTOR, 'user.add', 'nat@example.org');
    has('root', 'security.set', 'global/password.minLength');
    has(ACTOR, 'forward.set', 'weak@example.org', 'error: alias-loop');
    has(ACTOR, 'alias.add', 'b@example.org', 'error: alias-loop');
    expect(log).toContainEqual(
      expect.objectContaining({
        actor: ACTOR,
        action: 'security.set',
        target: 'global/greylisting',
        old_value: { value: false, source: 'default' },
        new_value: expect.objectContaining({ value: true }),
      }),
    );
    // The admin API and the user's own change:
    has('root', 'user.add', 'api@example.org');
    has('root', 'user.passwd', 'nat@example.org', 'error: weak-password');
    has('user:nat@example.org', 'user.passwd', 'nat@example.org');
    for (const entry of log) expect(Date.parse(entry.at)).toBeGreaterThan(Date.now() - 10 * 60_000);
    const text = JSON.stringify(log);
    for (const secret of [
      STRONG,
      ADMIN_PASSWORD,
      'Harbour-Lantern-58',
      'password123',
      'iloveyou1',
      '$scrypt$',
    ])
      expect(text).not.toContain(secret);
  });
});
