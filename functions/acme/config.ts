/** The renewal job's settings, from the environment the CDK construct gives the function. */
export const LETS_ENCRYPT_PRODUCTION = 'https://acme-v02.api.letsencrypt.org/directory';
export const LETS_ENCRYPT_STAGING = 'https://acme-staging-v02.api.letsencrypt.org/directory';

export interface AcmeConfig {
  /** The mail TLS secret the nodes read ({"cert", "key"}). */
  tlsSecretId: string;
  /** The secret holding the ACME account's private key (PEM); created on the first run. */
  accountKeySecretId: string;
  /** Route 53 hosted zone that serves the `_acme-challenge` records. */
  hostedZoneId: string;
  /** Names on the certificate; the first is its subject. */
  names: string[];
  directoryUrl: string;
  /** Contact for the ACME account (expiry notices); optional. */
  email?: string;
  renewBeforeDays: number;
  /** Stage name, the metric dimension. */
  stage: string;
}

export function acmeConfigFromEnv(env: NodeJS.ProcessEnv): AcmeConfig {
  const required = (name: string) => {
    const value = env[name]?.trim();
    if (!value) throw new Error(`missing environment variable ${name}`);
    return value;
  };
  const names = required('ACME_NAMES')
    .split(',')
    .map((name) => name.trim().toLowerCase())
    .filter(Boolean);
  if (names.length === 0) throw new Error('ACME_NAMES lists no name');
  const renewBeforeDays = Number(env.ACME_RENEW_BEFORE_DAYS ?? 30);
  if (!Number.isInteger(renewBeforeDays) || renewBeforeDays < 1) {
    throw new Error(
      `ACME_RENEW_BEFORE_DAYS must be a whole number of days >= 1 (got ${env.ACME_RENEW_BEFORE_DAYS})`,
    );
  }
  return {
    tlsSecretId: required('TLS_SECRET_ARN'),
    accountKeySecretId: required('ACME_ACCOUNT_KEY_SECRET_ARN'),
    hostedZoneId: required('HOSTED_ZONE_ID'),
    names,
    directoryUrl: env.ACME_DIRECTORY_URL?.trim() || LETS_ENCRYPT_PRODUCTION,
    email: env.ACME_EMAIL?.trim() || undefined,
    renewBeforeDays,
    stage: env.NIMBUS_STAGE?.trim() || 'unknown',
  };
}
