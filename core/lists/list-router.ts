/**
 * Which list, and which of its addresses, a recipient is: LIST@ (post), LIST-request@,
 * LIST-join@, LIST-leave@, LIST-owner@, LIST-bounces[+<verp>]@ and LIST-confirm+TOKEN@.
 * Parsing is separate from the lookup: every candidate list address is found in one query.
 */
import type { SqlExecutor } from '../ports/sql';
import { listByAddresses } from './list-store';
import type { ListRole, ListRoute } from './types';
import { decodeVerpDetail } from './verp';

export interface AddressCandidate {
  /** The list's own address this recipient would belong to. */
  listAddress: string;
  role: ListRole;
  /** What followed '+' (VERP member, confirmation token), if anything. */
  detail?: string;
}

const SUFFIXES: [string, ListRole][] = [
  ['-request', 'request'],
  ['-join', 'join'],
  ['-leave', 'leave'],
  ['-owner', 'owner'],
  ['-bounces', 'bounces'],
  ['-confirm', 'confirm'],
];

/** Local parts a list may not have: they would shadow another list's role address. */
export function isReservedLocalPart(local: string): boolean {
  const l = local.toLowerCase();
  return l.includes('+') || SUFFIXES.some(([suffix]) => l.endsWith(suffix));
}

/** The role addresses of a list (what must not collide with accounts or aliases). */
export function roleAddresses(listAddress: string): string[] {
  const at = listAddress.lastIndexOf('@');
  const local = listAddress.slice(0, at);
  const domain = listAddress.slice(at + 1);
  return [listAddress, ...SUFFIXES.map(([suffix]) => `${local}${suffix}@${domain}`)];
}

/** The list addresses `address` could belong to, most specific first. Faces the network. */
export function addressCandidates(address: string): AddressCandidate[] {
  const at = address.lastIndexOf('@');
  if (at <= 0 || at === address.length - 1 || address.length > 320) return [];
  const domain = address.slice(at + 1).toLowerCase();
  const local = address.slice(0, at);
  const plus = local.indexOf('+');
  const base = (plus < 0 ? local : local.slice(0, plus)).toLowerCase();
  const detail = plus < 0 ? undefined : local.slice(plus + 1);
  if (!base) return [];
  const out: AddressCandidate[] = [];
  for (const [suffix, role] of SUFFIXES) {
    if (base.length > suffix.length && base.endsWith(suffix)) {
      const candidate: AddressCandidate = { listAddress: `${base.slice(0, -suffix.length)}@${domain}`, role };
      if (detail !== undefined) candidate.detail = detail;
      out.push(candidate);
    }
  }
  // Plus-addressing on the post address (LIST+tag@) still posts.
  out.push({ listAddress: `${base}@${domain}`, role: 'post' });
  return out;
}

export class ListRouter {
  constructor(private readonly db: SqlExecutor) {}

  /** null when no list owns this address. */
  async route(address: string): Promise<ListRoute | null> {
    const candidates = addressCandidates(address);
    if (candidates.length === 0) return null;
    const lists = await listByAddresses(
      this.db,
      candidates.map((c) => c.listAddress),
    );
    for (const candidate of candidates) {
      const list = lists.get(candidate.listAddress);
      if (!list) continue;
      const route: ListRoute = { list, role: candidate.role };
      if (candidate.role === 'bounces' && candidate.detail !== undefined) {
        const member = decodeVerpDetail(candidate.detail);
        if (member) route.verp = member;
      }
      if (candidate.role === 'confirm') route.token = candidate.detail ?? '';
      return route;
    }
    return null;
  }
}
