/**
 * Admin REST API, autoconfig and webmail session/rendering, each run over HTTP against a running
 * node and as API Gateway / ALB Lambda events through the middy wrapper — the same assertions.
 */
import { readFileSync } from 'node:fs';
import { OPENAPI } from '../../functions/admin/openapi';
import { adminRouter } from '../../functions/admin/routes';
import { sanitizeMailHtml } from '../../functions/webmail/render';
import { eventually } from '../helpers/in-process-node';
import { MODES, USING, WebHarness, type Mode } from './web-harness';

let h: WebHarness;
beforeAll(async () => {
  h = await WebHarness.start({ 'authThrottle.maxFailures': 50 });
  await h.node.admin({ op: 'admin.add', name: 'root', password: 'admin password 1' });
}, 120_000);
afterAll(async () => h?.stop());

it('documents every admin route in the OpenAPI document (and nothing more)', () => {
  const routes = adminRouter(h.node.web!)
    .list()
    .map(
      ([method, path]) =>
        `${method.toLowerCase()} ${path.replace('/api/admin', '').replace(/:(\w+)/g, '{$1}')}`,
    )
    .sort();
  const documented = Object.entries(OPENAPI.paths)
    .flatMap(([path, ops]) => Object.keys(ops).map((m) => `${m} ${path}`))
    .sort();
  expect(documented).toEqual(routes);
});

it('keeps the CLI admin endpoint working', async () => {
  const token = (JSON.parse(readFileSync(`${h.node.dataDir}/node.json`, 'utf8')) as { token: string }).token;
  const res = await fetch(`${h.base}/internal/admin`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token}` },
    body: JSON.stringify({ op: 'domain.list' }),
  });
  expect(res.status).toBe(200);
});

it('sanitises hostile HTML', () => {
  const hostile = `<script>alert(1)</script><img src=x onerror="alert(2)"><a href="javascript:alert(3)">x</a>
    <svg onload="alert(4)"><circle/></svg><style>body{background:url(//evil/)}</style><div style="background:url(javascript:alert(5));position:fixed">y</div>
    <iframe src="//evil"></iframe><form action="//evil"><input></form><img src="https://tracker.example/p.gif">`;
  const { html, blockedImages } = sanitizeMailHtml(hostile, { remoteImages: false });
  expect(html).not.toMatch(
    /script|onerror|onload|javascript:|<svg|<style|<iframe|<form|tracker|position|url\(/i,
  );
  expect(blockedImages).toBe(2);
  expect(sanitizeMailHtml('<img src="https://img.example/a.png">', { remoteImages: true }).html).toContain(
    'https://img.example/a.png',
  );
});

describe.each(MODES)('web via %s', (mode: Mode) => {
  const user = `web-${mode}@w.test`;
  const pw = 'long enough password';
  let admin = '';

  it('admin API: login, CRUD through core/admin commands, audit log, config export/import', async () => {
    expect((await h.call(mode, { path: '/api/admin/domains' })).status).toBe(401);
    expect(
      (await h.call(mode, { path: '/api/admin/login', body: { name: 'root', password: 'nope' } })).status,
    ).toBe(401);
    const login = await h.call(mode, {
      path: '/api/admin/login',
      body: { name: 'root', password: 'admin password 1' },
    });
    expect(login.status).toBe(201);
    admin = login.json().token;
    const auth = { authorization: `Bearer ${admin}` };
    expect(
      (await h.call(mode, { path: '/api/admin/domains', headers: auth, body: { name: 'w.test' } })).status,
    ).toBe(mode === 'http' ? 201 : 409);
    const add = await h.call(mode, {
      path: '/api/admin/users',
      headers: auth,
      body: { address: user, password: pw, quotaBytes: 10_000_000 },
    });
    expect(add.status).toBe(201);
    const show = await h.call(mode, { path: `/api/admin/users/${encodeURIComponent(user)}`, headers: auth });
    expect(show.json()).toMatchObject({ address: user, quotaBytes: 10_000_000 });
    expect(
      (
        await h.call(mode, {
          path: `/api/admin/users/${user}/quota`,
          method: 'PUT',
          headers: auth,
          body: { quotaBytes: null },
        })
      ).status,
    ).toBe(200);
    expect(
      (
        await h.call(mode, {
          path: '/api/admin/aliases',
          headers: auth,
          body: { source: `info-${mode}@w.test`, targets: [user] },
        })
      ).status,
    ).toBe(201);
    const forwarding = `/api/admin/users/${encodeURIComponent(user)}/forwarding`;
    const setForward = await h.call(mode, {
      path: forwarding,
      method: 'PUT',
      headers: auth,
      body: { targets: [`Away-${mode}@Remote.test`], keepCopy: false },
    });
    expect(setForward.status).toBe(200);
    expect(setForward.json()).toEqual({
      address: user,
      targets: [`away-${mode}@remote.test`],
      keepCopy: false,
    });
    expect((await h.call(mode, { path: forwarding, headers: auth })).json().targets).toEqual([
      `away-${mode}@remote.test`,
    ]);
    const listed = (await h.call(mode, { path: '/api/admin/forwards?domain=w.test', headers: auth })).json();
    expect(listed.map((f: { address: string }) => f.address)).toContain(user);
    const badForward = await h.call(mode, {
      path: forwarding,
      method: 'PUT',
      headers: auth,
      body: { targets: ['not an address'] },
    });
    expect(badForward.status).toBe(400);
    expect(badForward.json().error).toMatch(/address/);
    expect(
      (
        await h.call(mode, {
          path: '/api/admin/users/nobody@w.test/forwarding',
          method: 'PUT',
          headers: auth,
          body: { targets: ['x@remote.test'] },
        })
      ).status,
    ).toBe(404);
    expect((await h.call(mode, { path: '/api/admin/users/nobody@w.test', headers: auth })).status).toBe(404);
    expect((await h.call(mode, { path: '/api/admin/queue', headers: auth })).status).toBe(200);
    expect(
      (await h.call(mode, { path: '/api/admin/queue/nope/retry', method: 'POST', headers: auth })).status,
    ).toBe(404);
    expect((await h.call(mode, { path: '/api/admin/security', headers: auth })).json()).toHaveProperty(
      'settings',
    );
    expect((await h.call(mode, { path: '/api/admin/cluster/nodes', headers: auth })).status).toBe(200);
    const exported = await h.call(mode, { path: '/api/admin/config', headers: auth });
    const profile = exported.json();
    expect(profile).toMatchObject({ format: 'nimbus-config', version: 1 });
    expect(profile.accounts.find((a: { address: string }) => a.address === user).passwordHash).toMatch(
      /^\$scrypt\$/,
    );
    expect(profile.forwards).toContainEqual({
      address: user,
      target: `away-${mode}@remote.test`,
      keepCopy: false,
    });
    const imported = await h.call(mode, { path: '/api/admin/config', headers: auth, body: profile });
    expect(imported.json().imported.forwards).toBe(profile.forwards.length);
    expect(
      (await h.call(mode, { path: forwarding, method: 'DELETE', headers: auth })).json().targets,
    ).toEqual([]);
    expect(imported.json().imported.accounts).toBe(profile.accounts.length);
    expect(
      (await h.call(mode, { path: '/api/admin/config', headers: auth, body: { ...profile, version: 99 } }))
        .status,
    ).toBe(400);
    const audit = (await h.call(mode, { path: '/api/admin/audit?limit=50', headers: auth })).json();
    expect(
      audit.some(
        (e: { actor: string; action: string; target: string }) =>
          e.actor === 'root' && e.action === 'user.add' && e.target === user,
      ),
    ).toBe(true);
    expect(JSON.stringify(audit)).not.toContain(pw);
    // Behind a proxy that strips /api, the Lambda answers under /admin/ too.
    expect((await h.call(mode, { path: '/admin/domains', headers: auth })).status).toBe(
      mode === 'http' ? 404 : 200,
    );
    const spec = await h.call(mode, { path: '/api/admin/openapi.json' });
    expect(spec.json().openapi).toBe('3.1.0');
  });

  it('autoconfig answers with the real host names and ports', async () => {
    const tb = await h.call(mode, {
      path: `/.well-known/autoconfig/mail/config-v1.1.xml?emailaddress=${user}`,
    });
    expect(tb.status).toBe(200);
    expect(tb.text).toContain('<hostname>mx.test.example</hostname>');
    expect(tb.text).toContain(`<port>${h.node.ports.imaps}</port>`);
    expect(tb.text).toContain(`<port>${h.node.ports.submissions}</port>`);
    expect((await h.call(mode, { path: '/mail/config-v1.1.xml?emailaddress=x@w.test' })).text).toContain(
      '<domain>w.test</domain>',
    );
    const ad = await h.call(mode, {
      path: '/autodiscover/autodiscover.xml',
      headers: { 'content-type': 'text/xml' },
      body: `<?xml version="1.0"?><Autodiscover xmlns="http://schemas.microsoft.com/exchange/autodiscover/outlook/requestschema/2006"><Request><EMailAddress>${user}</EMailAddress><AcceptableResponseSchema>http://schemas.microsoft.com/exchange/autodiscover/outlook/responseschema/2006a</AcceptableResponseSchema></Request></Autodiscover>`,
    });
    expect(ad.text).toContain('<Type>IMAP</Type>');
    expect(ad.text).toContain(`<Port>${h.node.ports.imaps}</Port>`);
    expect(ad.text).toContain(`<LoginName>${user}</LoginName>`);
  });

  it('webmail: login cookie, CSRF, sanitised rendering with its own CSP', async () => {
    const bad = await h.call(mode, {
      path: '/webmail/api/login',
      body: { username: user, password: 'wrong' },
    });
    expect(bad.status).toBe(401);
    const login = await h.call(mode, { path: '/webmail/api/login', body: { username: user, password: pw } });
    expect(login.status).toBe(200);
    const cookie = login.cookies[0];
    expect(cookie).toMatch(/HttpOnly/);
    expect(cookie).toMatch(/SameSite=Strict/);
    if (mode !== 'http') expect(cookie).toMatch(/Secure/);
    const { csrf, accountId } = login.json();
    const session = cookie.split(';')[0];
    const calls = { using: USING, methodCalls: [['Mailbox/get', { accountId }, '0']] };
    expect(
      (await h.call(mode, { path: '/jmap/api', headers: { cookie: session }, body: calls })).status,
    ).toBe(403);
    const ok = await h.call(mode, {
      path: '/jmap/api',
      headers: { cookie: session, 'x-csrf-token': csrf },
      body: calls,
    });
    expect(ok.json().methodResponses[0][0]).toBe('Mailbox/get');
    expect(
      (await h.call(mode, { path: '/webmail/api/session', headers: { cookie: session } })).json().csrf,
    ).toBe(csrf);
    await h.sendSmtp('evil@x.test', user, 'xss', {
      html: '<p>hi</p><script>alert(1)</script><img src="https://tracker.example/x.png">',
    });
    const id = await eventually(async () => {
      const r = await h.call(mode, {
        path: '/jmap/api',
        headers: { cookie: session, 'x-csrf-token': csrf },
        body: {
          using: USING,
          methodCalls: [['Email/query', { accountId, filter: { subject: 'xss' } }, '0']],
        },
      });
      return r.json().methodResponses[0][1].ids[0] as string | undefined;
    });
    const doc = await h.call(mode, { path: `/webmail/api/render/${id}`, headers: { cookie: session } });
    expect(doc.headers['content-security-policy']).toMatch(/default-src 'none'/);
    expect(doc.headers['content-security-policy']).toMatch(/sandbox/);
    expect(doc.text).toContain('<p>hi</p>');
    expect(doc.text).not.toMatch(/<script|tracker/);
    expect(doc.headers['x-blocked-images']).toBe('1');
    const withImages = await h.call(mode, {
      path: `/webmail/api/render/${id}?images=1`,
      headers: { cookie: session },
    });
    expect(withImages.text).toContain('tracker.example');
    expect(withImages.headers['content-security-policy']).toMatch(/img-src data: https:/);
    const logout = await h.call(mode, {
      path: '/webmail/api/logout',
      method: 'POST',
      headers: { cookie: session },
    });
    expect(logout.status).toBe(200);
    expect((await h.call(mode, { path: '/webmail/api/session', headers: { cookie: session } })).status).toBe(
      401,
    );
  });
});

it('serves the webmail shell with a strict CSP (node harness; the bundled deployments: test/integration/container-bundle, test/infra/webmail-lambda-assets)', async () => {
  const res = await fetch(`${h.base}/webmail/`);
  expect(res.status).toBe(200);
  expect(res.headers.get('content-security-policy')).toMatch(/default-src 'self'; script-src 'self'/);
  expect(await res.text()).not.toMatch(/<script>[^<]/);
  const js = await fetch(`${h.base}/webmail/assets/app.js`);
  expect(js.headers.get('content-type')).toMatch(/javascript/);
});

it('throttles repeated failed logins', async () => {
  const h2 = await WebHarness.start({ 'authThrottle.maxFailures': 3 });
  try {
    for (let i = 0; i < 3; i++)
      expect(
        (await h2.call('http', { path: '/webmail/api/login', body: { username: 'a@b.test', password: 'x' } }))
          .status,
      ).toBe(401);
    expect(
      (await h2.call('http', { path: '/webmail/api/login', body: { username: 'a@b.test', password: 'x' } }))
        .status,
    ).toBe(429);
  } finally {
    await h2.stop();
  }
});
