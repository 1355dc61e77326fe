/** A webmail session over real HTTP for the calendar and contacts API suites (login, CSRF, calls). */
import type { WebHarness } from './web-harness';

export interface Session {
  cookie: string;
  csrf: string;
}

export interface Answer {
  status: number;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any
  body: any;
  text: string;
  headers: Headers;
}

export async function login(h: WebHarness, username: string, password: string): Promise<Session> {
  const res = await fetch(`${h.base}/webmail/api/login`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ username, password }),
  });
  if (res.status !== 200) throw new Error(`login ${username}: ${res.status}`);
  const { csrf } = (await res.json()) as { csrf: string };
  return { cookie: res.headers.getSetCookie()[0].split(';')[0], csrf };
}

/** A call as the webmail makes it (cookie + X-CSRF-Token); `headers` may override or add. */
export async function call(
  h: WebHarness,
  session: Session | null,
  method: string,
  path: string,
  body?: unknown,
  headers: Record<string, string> = {},
): Promise<Answer> {
  const res = await fetch(h.base + path, {
    method,
    headers: {
      ...(session ? { cookie: session.cookie, 'x-csrf-token': session.csrf } : {}),
      ...(body !== undefined ? { 'content-type': 'application/json' } : {}),
      ...headers,
    },
    body: body === undefined ? undefined : typeof body === 'string' ? body : JSON.stringify(body),
    redirect: 'manual',
  });
  const text = await res.text();
  let parsed: unknown = null;
  try {
    parsed = JSON.parse(text);
  } catch {
    parsed = null;
  }
  return { status: res.status, body: parsed, text, headers: res.headers };
}

/** A DAV request with Basic authentication (as a CalDAV/CardDAV client). */
export async function dav(
  h: WebHarness,
  user: string,
  password: string,
  method: string,
  path: string,
  body?: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; text: string; headers: Headers }> {
  const res = await fetch(h.base + path, {
    method,
    headers: { ...h.basic(user, password), ...headers },
    body,
    redirect: 'manual',
  });
  return { status: res.status, text: await res.text(), headers: res.headers };
}
