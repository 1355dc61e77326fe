/// <reference lib="dom" />
/** The webmail's session state and its two calls: the webmail API and JMAP (CSRF header on both). */
import type { Obj } from './dom';

export interface Mailbox {
  id: string;
  name: string;
  parentId: string | null;
  role: string | null;
  unreadEmails: number;
  totalEmails: number;
  sortOrder: number;
}

export const PAGE = 50;
const USING = [
  'urn:ietf:params:jmap:core',
  'urn:ietf:params:jmap:mail',
  'urn:ietf:params:jmap:submission',
  'urn:ietf:params:jmap:vacationresponse',
  'urn:nimbus-mail:jmap:forwarding',
];
export const state = {
  csrf: '',
  accountId: '',
  username: '',
  mailboxes: [] as Mailbox[],
  current: '',
  position: 0,
  total: 0,
  emails: [] as Obj[],
  selected: null as Obj | null,
  search: '',
  threads: false,
  identity: null as Obj | null,
};

export async function api(path: string, init: RequestInit = {}): Promise<Obj> {
  const res = await fetch(path, {
    ...init,
    credentials: 'same-origin',
    headers: { 'content-type': 'application/json', 'x-csrf-token': state.csrf, ...(init.headers ?? {}) },
  });
  const data = (await res.json().catch(() => ({}))) as Obj;
  if (!res.ok) throw new Error(data.error ?? data.detail ?? `HTTP ${res.status}`);
  return data;
}

export async function jmap(calls: [string, Obj, string][]): Promise<Record<string, Obj>> {
  const res = await api('/jmap/api', {
    method: 'POST',
    body: JSON.stringify({ using: USING, methodCalls: calls }),
  });
  const out: Record<string, Obj> = {};
  for (const [name, args, id] of res.methodResponses as [string, Obj, string][]) {
    if (name === 'error') throw new Error(`${args.type}: ${args.description ?? ''}`);
    out[id] = args;
  }
  return out;
}
