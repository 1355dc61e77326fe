/**
 * VERP envelope senders (Mailman's form): LIST-bounces+<local>=<domain>@listdomain, so a bounce
 * names the member it is for. The member's domain never contains '=', so decoding splits at the
 * last one; a member's local part may contain '=' or '+' and still round-trips.
 */

const BOUNCES = '-bounces';

/** The envelope sender for `member`'s copy of a post to `listAddress`. */
export function encodeVerp(listAddress: string, member: string): string {
  const { local, domain } = split(listAddress);
  const m = split(member);
  return `${local}${BOUNCES}+${m.local}=${m.domain}@${domain}`;
}

/** The plain bounces address (no member): the envelope sender of notices and digests. */
export function bouncesAddress(listAddress: string): string {
  const { local, domain } = split(listAddress);
  return `${local}${BOUNCES}@${domain}`;
}

/**
 * The member of a VERP detail (the part after `LIST-bounces+`), or null when it is not one.
 * Faces the network: any recipient address reaches it.
 */
export function decodeVerpDetail(detail: string): string | null {
  const at = detail.lastIndexOf('=');
  if (at <= 0 || at === detail.length - 1) return null;
  const local = detail.slice(0, at);
  const domain = detail.slice(at + 1).toLowerCase();
  if (!/^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)+$/.test(domain)) return null;
  if (local.includes('@') || /[\s"<>()\\,;:[\]]/.test(local) || local.length > 64) return null;
  return `${local}@${domain}`;
}

/** The member of a full VERP address for `listAddress`, or null. */
export function decodeVerp(listAddress: string, address: string): string | null {
  const list = split(listAddress);
  const a = split(address);
  if (a.domain !== list.domain) return null;
  const prefix = `${list.local}${BOUNCES}+`;
  if (!a.local.toLowerCase().startsWith(prefix)) return null;
  return decodeVerpDetail(a.local.slice(prefix.length));
}

function split(address: string): { local: string; domain: string } {
  const at = address.lastIndexOf('@');
  return { local: address.slice(0, at), domain: address.slice(at + 1).toLowerCase() };
}
