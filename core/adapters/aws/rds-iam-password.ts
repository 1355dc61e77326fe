import { Signer } from '@aws-sdk/rds-signer';

/**
 * IAM authentication to RDS Proxy / Aurora: the password is a signed token valid for 15 minutes.
 * `pg` asks for a password per new connection; tokens are reused for 10 minutes.
 */
export function rdsIamPassword(connectionString: string, region?: string): () => Promise<string> {
  const url = new URL(connectionString);
  const signer = new Signer({
    hostname: url.hostname,
    port: Number(url.port || 5432),
    username: decodeURIComponent(url.username),
    region: region ?? process.env.AWS_REGION,
  });
  let cached: { token: string; until: number } | null = null;
  return async () => {
    if (cached && cached.until > Date.now()) return cached.token;
    const token = await signer.getAuthToken();
    cached = { token, until: Date.now() + 10 * 60_000 };
    return token;
  };
}
