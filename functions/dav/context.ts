/** What every DAV method handler gets: the web context, the PIM store, the user and the request. */
import type { Account } from '../../core/directory/types';
import type { PimStore } from '../../core/pim/pim-store';
import type { WebContext } from '../web/context';
import type { WebRequest, WebResponse } from '../web/types';
import { DavError, element, escapeXml, xmlDocument, XML_HEADERS } from './xml';

export interface DavUser {
  id: number;
  address: string;
  domain: string;
}

export interface DavContext {
  web: WebContext;
  store: PimStore;
  user: DavUser;
  request: WebRequest;
}

export const domainOf = (address: string) => address.slice(address.lastIndexOf('@') + 1).toLowerCase();

/** The owner named in a path, if the user may see anything of it: same domain only (tenants isolated). */
export async function ownerAccount(dav: DavContext, address: string): Promise<Account> {
  if (domainOf(address) !== dav.user.domain) throw new DavError(404, 'not found');
  const account = await dav.web.directory.getAccount(address);
  if (!account || account.disabled) throw new DavError(404, 'not found');
  return account;
}

export function depthOf(request: WebRequest, fallback: '0' | '1' | 'infinity'): '0' | '1' | 'infinity' {
  const value = request.headers.depth?.trim().toLowerCase();
  if (value === undefined || value === '') return fallback;
  if (value === '0' || value === '1' || value === 'infinity') return value;
  throw new DavError(400, `bad Depth header "${value.slice(0, 20)}"`);
}

/** A DAV:error body for a failed precondition (RFC 4918 §16). */
export function errorResponse(error: DavError): WebResponse {
  if (!error.condition) {
    return {
      status: error.status,
      headers: { 'content-type': 'text/plain; charset=utf-8' },
      body: `${error.message}\n`,
    };
  }
  return {
    status: error.status,
    headers: XML_HEADERS,
    body: xmlDocument(
      '{DAV:}error',
      element(error.condition) + element('{http://nimbus-mail.org/ns/}reason', escapeXml(error.message)),
    ),
  };
}

export const xmlResponse = (
  status: number,
  body: string,
  headers: Record<string, string> = {},
): WebResponse => ({
  status,
  headers: { ...XML_HEADERS, ...headers },
  body,
});

export const empty = (status: number, headers: Record<string, string> = {}): WebResponse => ({
  status,
  headers,
  body: '',
});
