/**
 * The ACME account key, kept in its own secret: read it, or create one on the first run (the
 * secret's initial value is the random string CloudFormation generates, not a PEM key).
 */
import { createPrivateKey } from 'node:crypto';
import {
  GetSecretValueCommand,
  PutSecretValueCommand,
  ResourceNotFoundException,
  type SecretsManagerClient,
} from '@aws-sdk/client-secrets-manager';

export interface AccountKeyStore {
  /** The account key PEM, creating and storing one with `create` when none is stored. */
  getOrCreate(create: () => Promise<string>): Promise<string>;
}

function isPrivateKey(pem: string | undefined): pem is string {
  if (!pem || !pem.includes('PRIVATE KEY')) return false;
  try {
    createPrivateKey(pem);
    return true;
  } catch {
    return false;
  }
}

export class SecretsManagerAccountKey implements AccountKeyStore {
  constructor(
    private readonly client: SecretsManagerClient,
    private readonly secretId: string,
  ) {}

  async getOrCreate(create: () => Promise<string>): Promise<string> {
    let current: string | undefined;
    try {
      current = (await this.client.send(new GetSecretValueCommand({ SecretId: this.secretId }))).SecretString;
    } catch (error) {
      if (!(error instanceof ResourceNotFoundException)) throw error;
    }
    if (isPrivateKey(current)) return current;
    const pem = await create();
    await this.client.send(new PutSecretValueCommand({ SecretId: this.secretId, SecretString: pem }));
    return pem;
  }
}
