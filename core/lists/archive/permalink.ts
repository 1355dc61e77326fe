/** Archive permalinks (RFC 5064 Archived-At): <webBase>/webmail/lists/<list@domain>/archive/<id>. */

/** Archive ids: 16 characters of base64url (random, so they reveal nothing). */
export const ARCHIVE_ID = /^[A-Za-z0-9_-]{16}$/;

export function archiveUrl(webBase: string, listAddress: string, id: string): string {
  return `${webBase.replace(/\/+$/, '')}/webmail/lists/${encodeURIComponent(listAddress)}/archive/${id}`;
}

/** The list's archive index page (List-Archive, RFC 2369). */
export function archiveIndexUrl(webBase: string, listAddress: string): string {
  return `${webBase.replace(/\/+$/, '')}/webmail/lists/${encodeURIComponent(listAddress)}/archive`;
}
