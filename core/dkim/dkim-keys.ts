import { generateKeyPairSync } from 'node:crypto';
import type { SqlExecutor } from '../ports/sql';
import { decryptSecret, encryptSecret } from './secret-box';

export interface DkimKeyInfo {
  domain: string;
  selector: string;
  algorithm: 'rsa-sha256';
  publicKey: string;
  /** The DNS record to publish: name and TXT value. */
  dns: { name: string; type: 'TXT'; value: string };
  createdAt: Date;
}

export interface DkimSigningKey {
  domain: string;
  selector: string;
  privateKey: string;
}

/** The TXT value for a public key (SPKI DER base64). */
export function dkimTxtValue(publicKey: string): string {
  return `v=DKIM1; k=rsa; p=${publicKey}`;
}

/**
 * DKIM keys per domain in SQL; the private key is sealed with AES-256-GCM (secret-box) and is only
 * decrypted in memory for signing. Nothing here ever logs or returns the private key.
 */
export class DkimKeyStore {
  constructor(
    private readonly db: SqlExecutor,
    private readonly secretKey: Buffer,
  ) {}

  /** Creates (or replaces, with a new selector) the key of a domain. RSA 2048. */
  async generate(domain: string, selector?: string): Promise<DkimKeyInfo> {
    const name = domain.trim().toLowerCase();
    const chosen = selector ?? `nimbus${new Date().toISOString().slice(0, 7).replace('-', '')}`;
    if (!/^[a-z0-9](?:[a-z0-9-]{0,62})(?:\.[a-z0-9-]{1,63})*$/i.test(chosen)) {
      throw new Error(`invalid selector "${chosen}"`);
    }
    const { publicKey, privateKey } = generateKeyPairSync('rsa', {
      modulusLength: 2048,
      publicKeyEncoding: { type: 'spki', format: 'der' },
      privateKeyEncoding: { type: 'pkcs8', format: 'pem' },
    });
    const publicB64 = publicKey.toString('base64');
    await this.db.query(
      `INSERT INTO dkim_keys (domain, selector, private_key_enc, public_key) VALUES ($1, $2, $3, $4)
       ON CONFLICT (domain) DO UPDATE SET selector = $2, private_key_enc = $3, public_key = $4, created_at = now()`,
      [name, chosen, encryptSecret(this.secretKey, privateKey), publicB64],
    );
    return (await this.show(name))!;
  }

  async show(domain: string): Promise<DkimKeyInfo | null> {
    const result = await this.db.query<{
      domain: string;
      selector: string;
      public_key: string;
      created_at: Date;
    }>(`SELECT domain, selector, public_key, created_at FROM dkim_keys WHERE domain = $1`, [
      domain.trim().toLowerCase(),
    ]);
    const row = result.rows[0];
    if (!row) return null;
    return {
      domain: row.domain,
      selector: row.selector,
      algorithm: 'rsa-sha256',
      publicKey: row.public_key,
      dns: {
        name: `${row.selector}._domainkey.${row.domain}`,
        type: 'TXT',
        value: dkimTxtValue(row.public_key),
      },
      createdAt: new Date(row.created_at),
    };
  }

  async remove(domain: string): Promise<boolean> {
    const result = await this.db.query(`DELETE FROM dkim_keys WHERE domain = $1`, [
      domain.trim().toLowerCase(),
    ]);
    return result.rowCount > 0;
  }

  /** The decrypted key for signing, or null when the domain has none. */
  async signingKey(domain: string): Promise<DkimSigningKey | null> {
    const result = await this.db.query<{ domain: string; selector: string; private_key_enc: string }>(
      `SELECT domain, selector, private_key_enc FROM dkim_keys WHERE domain = $1`,
      [domain.trim().toLowerCase()],
    );
    const row = result.rows[0];
    if (!row) return null;
    return {
      domain: row.domain,
      selector: row.selector,
      privateKey: decryptSecret(this.secretKey, row.private_key_enc),
    };
  }
}
