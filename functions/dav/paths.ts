/**
 * The DAV URL layout (docs/dav.md):
 *   /dav/                                   root (discovery: current-user-principal)
 *   /dav/principals/<address>/              a user's principal
 *   /dav/calendars/<address>/               calendar home: calendars, inbox/, outbox/
 *   /dav/calendars/<address>/<name>/<obj>.ics
 *   /dav/addressbooks/<address>/            address book home: contacts/, directory/ (the GAL)
 *   /dav/addressbooks/<address>/<name>/<obj>.vcf
 * Plain WebDAV collections (MKCOL) may nest under a home: /dav/calendars/<address>/a/b/file.
 */
import type { PimHome } from '../../core/pim/types';
import { DavError } from './xml';

export const DAV_ROOT = '/dav/';
/** The read-only global address book of the user's domain, in every address book home. */
export const DIRECTORY_BOOK = 'directory';

export type DavPath =
  | { type: 'root' }
  | { type: 'principals' }
  | { type: 'principal'; owner: string }
  | { type: 'home'; home: PimHome; owner: string }
  /** Below a home: a collection or an object, resolved against the store. */
  | { type: 'member'; home: PimHome; owner: string; segments: string[] };

const MAX_SEGMENTS = 12;

/** Parses a request path (percent-encoded, as on the wire). Null: not a DAV path. */
export function parseDavPath(path: string): DavPath | null {
  if (path !== '/dav' && !path.startsWith(DAV_ROOT)) return null;
  const raw = path.slice(DAV_ROOT.length).split('/').filter(Boolean);
  if (raw.length > MAX_SEGMENTS + 3) throw new DavError(400, 'path too deep');
  const segments = raw.map((s) => {
    try {
      return decodeURIComponent(s);
    } catch {
      throw new DavError(400, 'malformed percent-encoding in the path');
    }
  });
  if (segments.some((s) => s === '.' || s === '..' || s.includes('/') || s.includes('\0')))
    throw new DavError(400, 'bad path segment');
  const [area, owner, ...rest] = segments;
  if (area === undefined) return { type: 'root' };
  if (area === 'principals') {
    if (owner === undefined) return { type: 'principals' };
    return rest.length === 0 ? { type: 'principal', owner: owner.toLowerCase() } : null;
  }
  if (area !== 'calendars' && area !== 'addressbooks') return null;
  if (owner === undefined) return null;
  if (rest.length === 0) return { type: 'home', home: area, owner: owner.toLowerCase() };
  return { type: 'member', home: area, owner: owner.toLowerCase(), segments: rest };
}

export const principalPath = (address: string) => `/dav/principals/${address}/`;
export const homePath = (home: PimHome, address: string) => `/dav/${home}/${address}/`;
export const collectionPath = (home: PimHome, address: string, name: string) =>
  `/dav/${home}/${address}/${name}/`;
export const objectPath = (home: PimHome, address: string, collection: string, name: string) =>
  `/dav/${home}/${address}/${collection}/${name}`;

/** The path of a Destination header (absolute URL or absolute path). */
export function destinationPath(header: string | undefined): string {
  if (!header) throw new DavError(400, 'Destination header missing');
  try {
    return new URL(header, 'http://destination.invalid').pathname;
  } catch {
    throw new DavError(400, 'Destination is not a URL');
  }
}
