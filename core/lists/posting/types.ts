import type { MailingList } from '../types';

/** What the transforms read of a list (a MailingList has all of it; tests pass less). */
export type PostingList = Pick<MailingList, 'id' | 'address' | 'name'> &
  Partial<Pick<MailingList, 'subjectPrefix' | 'footer' | 'dmarcMitigation'>>;

/** The list's sub-addresses (Mailman's -request, -join, -leave, -owner, -bounces). */
export function listAddresses(address: string): {
  local: string;
  domain: string;
  request: string;
  join: string;
  leave: string;
  owner: string;
  bounces: string;
} {
  const at = address.lastIndexOf('@');
  const local = address.slice(0, at);
  const domain = address.slice(at + 1).toLowerCase();
  const sub = (suffix: string) => `${local}-${suffix}@${domain}`;
  return {
    local,
    domain,
    request: sub('request'),
    join: sub('join'),
    leave: sub('leave'),
    owner: sub('owner'),
    bounces: sub('bounces'),
  };
}
