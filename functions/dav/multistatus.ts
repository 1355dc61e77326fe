/** Building 207 Multi-Status bodies (RFC 4918 §13) and reading prop requests (§14.20 propfind). */
import type { Element } from '@xmldom/xmldom';
import type { DeadProperties } from '../../core/pim/types';
import type { DavContext } from './context';
import { liveProperties, type DavNode } from './properties';
import { childElements, clark, element, escapeXml, href, is, NS, splitClark, xmlDocument } from './xml';

const REASONS: Record<number, string> = {
  200: 'OK',
  201: 'Created',
  204: 'No Content',
  403: 'Forbidden',
  404: 'Not Found',
  409: 'Conflict',
  412: 'Precondition Failed',
  424: 'Failed Dependency',
  507: 'Insufficient Storage',
};

export const statusLine = (status: number) =>
  element('{DAV:}status', `HTTP/1.1 ${status} ${REASONS[status] ?? 'Status'}`);

export interface PropStat {
  status: number;
  /** Whole property elements. */
  props: string[];
}

export function responseWithProps(path: string, propstats: PropStat[]): string {
  const inner = propstats
    .filter((p) => p.props.length > 0)
    .map((p) => element('{DAV:}propstat', element('{DAV:}prop', p.props.join('')) + statusLine(p.status)))
    .join('');
  return element('{DAV:}response', href(path) + inner);
}

export function responseWithStatus(path: string, status: number, error?: string): string {
  return element(
    '{DAV:}response',
    href(path) + statusLine(status) + (error ? element('{DAV:}error', element(error)) : ''),
  );
}

export const multistatus = (responses: string[], extra = '') =>
  xmlDocument('{DAV:}multistatus', responses.join('') + extra);

export type PropRequest =
  { kind: 'allprop'; include: string[] } | { kind: 'propname' } | { kind: 'prop'; names: string[] };

/** The prop request of a PROPFIND or REPORT body element (null body: allprop, RFC 4918 §9.1). */
export function propRequest(el: Element | null): PropRequest {
  if (!el) return { kind: 'allprop', include: [] };
  const parts = childElements(el);
  const prop = parts.find((c) => is(c, NS.dav, 'prop'));
  if (prop) return { kind: 'prop', names: childElements(prop).map(clark) };
  if (parts.some((c) => is(c, NS.dav, 'propname'))) return { kind: 'propname' };
  const include = parts.find((c) => is(c, NS.dav, 'include'));
  return { kind: 'allprop', include: include ? childElements(include).map(clark) : [] };
}

/** Properties RFC 4918 leaves out of allprop because they are expensive or not "dead-like". */
const NOT_IN_ALLPROP = new Set([
  '{DAV:}current-user-privilege-set',
  '{DAV:}supported-report-set',
  '{DAV:}sync-token',
  `{${NS.caldav}}calendar-home-set`,
  `{${NS.carddav}}addressbook-home-set`,
]);

function emptyProp(name: string): string {
  const { ns, local } = splitClark(name);
  if (ns === '') return `<${local} xmlns=""/>`;
  return element(name);
}

function propElement(name: string, inner: string): string {
  const { ns, local } = splitClark(name);
  if (ns === '') return inner ? `<${local} xmlns="">${inner}</${local}>` : `<${local} xmlns=""/>`;
  return element(name, inner);
}

/** The propstats of one node for a prop request: found (200) and, for named props, missing (404). */
export async function propstatsFor(
  dav: DavContext,
  node: DavNode,
  request: PropRequest,
  dead: DeadProperties = {},
  /** Extra computed properties (REPORT: calendar-data, address-data). */
  extra: Map<string, string> = new Map(),
): Promise<PropStat[]> {
  const live = await liveProperties(dav, node);
  if (request.kind === 'propname') {
    const names = [...live.keys(), ...Object.keys(dead)];
    return [{ status: 200, props: names.map(emptyProp) }];
  }
  const found: string[] = [];
  const missing: string[] = [];
  const names =
    request.kind === 'prop'
      ? request.names
      : [
          ...[...live.keys()].filter((n) => !NOT_IN_ALLPROP.has(n) || request.include.includes(n)),
          ...Object.keys(dead),
        ];
  for (const name of names) {
    const computed = extra.get(name);
    const getter = live.get(name);
    if (computed !== undefined) found.push(propElement(name, computed));
    else if (getter) found.push(propElement(name, await getter()));
    else if (dead[name] !== undefined) found.push(dead[name]);
    else missing.push(emptyProp(name));
  }
  return [
    { status: 200, props: found },
    { status: 404, props: missing },
  ];
}

export { escapeXml };
