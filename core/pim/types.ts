/**
 * Calendars and contacts (PIM): one store of collections and their objects that CalDAV, CardDAV,
 * ActiveSync, JMAP and the webmail all use. Objects are kept as the client sent them (iCalendar or
 * vCard text), with the fields every protocol needs to filter and sync extracted beside them.
 * The SQL implementation is core/pim/pim-store.ts; core/ stays free of sockets.
 */

/** 'collection': a plain WebDAV collection (RFC 4918 MKCOL) holding files of any type, nestable. */
export type CollectionKind = 'calendar' | 'addressbook' | 'schedule-inbox' | 'schedule-outbox' | 'collection';

/** The two homes of an account: /dav/calendars/<address>/ and /dav/addressbooks/<address>/. */
export type PimHome = 'calendars' | 'addressbooks';

/** WebDAV dead properties (PROPPATCH): "{namespace}local" → the property element as XML text. */
export type DeadProperties = Record<string, string>;

/** Calendar components a calendar accepts (CalDAV supported-calendar-component-set). */
export type CalendarComponent = 'VEVENT' | 'VTODO' | 'VJOURNAL';

export interface PimCollection {
  id: number;
  accountId: number;
  home: PimHome;
  kind: CollectionKind;
  /** The last path segment under the owner's home, e.g. "personal" in /dav/calendars/alice@example.org/personal/. */
  name: string;
  displayName: string;
  description: string;
  /** #RRGGBB(AA), as Apple's and DAVx⁵'s calendar-color. */
  color: string | null;
  /** Calendars only. */
  components: CalendarComponent[];
  /** Calendars only: the VTIMEZONE (iCalendar text) of calendar-timezone, if set. */
  timezone: string | null;
  /** Changes with every change to the collection or its members: the sync token's number. */
  syncRevision: number;
  /** Opaque CTag (getctag) derived from syncRevision. */
  ctag: string;
  createdAt: Date;
  deadProps: DeadProperties;
}

export interface PimObject {
  id: number;
  collectionId: number;
  /** The resource name in the collection, e.g. "3f2a….ics" (unique per collection). */
  name: string;
  /** iCalendar UID or vCard UID (unique per collection). */
  uid: string;
  /** Strong ETag, quoted, e.g. "\"a1b2…\"". */
  etag: string;
  /** 'text/calendar' or 'text/vcard' in calendars and address books; any type in plain collections. */
  contentType: string;
  /** The resource as stored (iCalendar or vCard text). */
  data: string;
  size: number;
  /** Calendars: first component type (VEVENT, VTODO …). */
  component: CalendarComponent | null;
  /**
   * Calendars: the span the object covers (recurrences included; open-ended series have no end),
   * for time-range pre-filtering in SQL before exact evaluation in core/pim/ical/.
   */
  firstStart: Date | null;
  lastEnd: Date | null;
  modifiedAt: Date;
  createdAt: Date;
  deadProps: DeadProperties;
}

/** A change since a sync token (RFC 6578): created/modified objects, and deleted names. */
export interface PimChanges {
  revision: number;
  changed: PimObject[];
  deleted: string[];
  /** The token is older than the retained change log: the client must sync from scratch. */
  truncated: boolean;
}

/** Sharing (RFC 3744 subset): another account of the same domain may read or read and write. */
export type PimAccess = 'read' | 'read-write';

export interface PimGrant {
  collectionId: number;
  granteeAccountId: number;
  access: PimAccess;
}
