/** Roles a node can run; a node's roles come from configuration (one image, one code base). */
export const ROLES = ['mx', 'submission', 'imap', 'pop3', 'managesieve', 'delivery', 'mta', 'web'] as const;
export type Role = (typeof ROLES)[number];

/** Cluster role groups of the advanced topology. */
export const ROLE_GROUPS: Record<string, Role[]> = {
  access: ['submission', 'imap', 'pop3', 'managesieve'],
  all: [...ROLES],
};

/** The roles `nimbus start` runs when none are given: every role built so far. */
export const DEFAULT_ROLES: Role[] = [
  'mx',
  'submission',
  'delivery',
  'mta',
  'imap',
  'pop3',
  'managesieve',
  'web',
];

export function parseRoles(text: string): Role[] {
  const roles = new Set<Role>();
  for (const raw of text
    .split(',')
    .map((r) => r.trim().toLowerCase())
    .filter(Boolean)) {
    if (raw in ROLE_GROUPS) ROLE_GROUPS[raw].forEach((r) => roles.add(r));
    else if ((ROLES as readonly string[]).includes(raw)) roles.add(raw as Role);
    else
      throw new Error(
        `unknown role "${raw}" (roles: ${ROLES.join(', ')}; groups: ${Object.keys(ROLE_GROUPS).join(', ')})`,
      );
  }
  if (roles.size === 0) throw new Error('no roles given');
  return [...roles];
}
