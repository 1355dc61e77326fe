/**
 * What the webmail's calendar and contacts endpoints share: the session check (the webmail
 * cookie only, X-CSRF-Token on writes via authenticateUser, and the Origin check of routes.ts),
 * bounded JSON bodies, the one PimStore, and the mapping of store refusals to 4xx answers.
 */
import type { Directory } from '../../core/directory/directory';
import { PimError } from '../../core/pim/pim-errors';
import { PimStore } from '../../core/pim/pim-store';
import { parseBoundedJson } from '../../core/util/bounded-json';
import { authenticateUser } from '../web/auth';
import type { WebContext } from '../web/context';
import { jsonResponse, type WebRequest, type WebResponse } from '../web/types';

export interface SessionUser {
  id: number;
  address: string;
  domain: string;
}

/** A refusal with its HTTP status and a reason the UI can show. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

export const fail = (status: number, message: string): never => {
  throw new ApiError(status, message);
};

function sameOrigin(request: WebRequest): boolean {
  const origin = request.headers.origin;
  if (!origin) return true;
  try {
    return new URL(origin).host === (request.headers['x-forwarded-host'] ?? request.headers.host);
  } catch {
    return false;
  }
}

/** The session's account; Basic and bearer tokens are for the protocols, not for this API. */
export async function sessionUser(ctx: WebContext, request: WebRequest): Promise<SessionUser> {
  const writing = !['GET', 'HEAD'].includes(request.method);
  if (writing && !sameOrigin(request)) fail(403, 'cross-origin request refused');
  const auth = await authenticateUser(ctx, request);
  if ('error' in auth) return fail(auth.error, auth.message);
  if (auth.via !== 'session') fail(401, 'log in to the webmail first');
  const address = auth.account.address;
  return { id: auth.account.id, address, domain: address.slice(address.lastIndexOf('@') + 1).toLowerCase() };
}

/** The JSON object sent (400 for anything else). */
export function jsonBody(ctx: WebContext, request: WebRequest): Record<string, unknown> {
  if (request.body.length === 0) return fail(400, 'a JSON body is required');
  const value = parseBoundedJson(request.body, ctx.jsonLimits);
  if (!value || typeof value !== 'object' || Array.isArray(value))
    return fail(400, 'a JSON object is required');
  return value as Record<string, unknown>;
}

const stores = new WeakMap<WebContext, PimStore>();

/** One store per web context (it remembers which accounts have their default collections). */
export function pimStore(ctx: WebContext): PimStore {
  let store = stores.get(ctx);
  if (!store) {
    store = new PimStore(ctx.db, ctx.events);
    stores.set(ctx, store);
  }
  return store;
}

/** Scheduling's view of the node: the directory's local accounts and the outbound path. */
export function schedulingContext(ctx: WebContext, store: PimStore) {
  return {
    store,
    directory: ctx.directory as Pick<Directory, 'getAccount'>,
    acceptor: ctx.acceptor,
  };
}

function storeStatus(error: PimError): number {
  switch (error.code) {
    case 'precondition-failed':
      return 412;
    case 'too-large':
      return 413;
    case 'quota':
      return 507;
    case 'not-found':
      return 404;
    default:
      return 409;
  }
}

/** Runs an endpoint, answering refusals (ours and the store's) as JSON with a reason. */
export function guarded(run: (request: WebRequest) => Promise<WebResponse>) {
  return async (request: WebRequest): Promise<WebResponse> => {
    try {
      return await run(request);
    } catch (error) {
      if (error instanceof ApiError) return jsonResponse(error.status, { error: error.message });
      if (error instanceof PimError) return jsonResponse(storeStatus(error), { error: error.message });
      throw error;
    }
  };
}

/** Text fields of a body: absent → '', too long or not text → 400. */
export function text(value: unknown, name: string, max: number): string {
  if (value === undefined || value === null) return '';
  if (typeof value !== 'string') return fail(400, `${name} must be text`);
  if (value.length > max) return fail(400, `${name} is longer than ${max} characters`);
  return value;
}

export function list(value: unknown, name: string, max: number, itemMax: number): string[] {
  if (value === undefined || value === null) return [];
  if (!Array.isArray(value)) return fail(400, `${name} must be a list`);
  if (value.length > max) return fail(400, `at most ${max} ${name}`);
  return value.map((v) => text(v, name, itemMax).trim()).filter(Boolean);
}

const ADDRESS = /^[^\s@<>(),;:"[\]\\]+@[^\s@<>(),;:"[\]\\]+\.[^\s@<>(),;:"[\]\\]+$/;
export const isAddress = (s: string): boolean => s.length <= 254 && ADDRESS.test(s);
