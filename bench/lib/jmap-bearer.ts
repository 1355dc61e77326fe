/**
 * A JMAP client for the benchmarks: Basic once to get a bearer token (POST /jmap/auth/token), then
 * bearer requests, as a real client does — Basic would verify the scrypt password on every request
 * and the figure would be the hash, not the method.
 */

export type JmapResponse = [string, Record<string, unknown>, string];

export class JmapBearerClient {
  private constructor(
    private readonly base: string,
    private readonly token: string,
    readonly accountId: string,
  ) {}

  static async login(httpPort: number, user: string, password: string): Promise<JmapBearerClient> {
    const base = `http://127.0.0.1:${httpPort}`;
    const basic = `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;
    const issued = await fetch(`${base}/jmap/auth/token`, {
      method: 'POST',
      headers: { authorization: basic },
    });
    if (issued.status !== 201) throw new Error(`JMAP token: ${issued.status} ${await issued.text()}`);
    const { accessToken } = (await issued.json()) as { accessToken: string };
    const session = await fetch(`${base}/.well-known/jmap`, {
      headers: { authorization: `Bearer ${accessToken}` },
    });
    if (!session.ok) throw new Error(`JMAP session: ${session.status}`);
    const { primaryAccounts } = (await session.json()) as { primaryAccounts: Record<string, string> };
    return new JmapBearerClient(base, accessToken, primaryAccounts['urn:ietf:params:jmap:mail']);
  }

  /** One API request with the given method calls (core and mail capabilities). */
  async call(calls: [string, Record<string, unknown>, string][]): Promise<JmapResponse[]> {
    const response = await fetch(`${this.base}/jmap/api`, {
      method: 'POST',
      headers: { authorization: `Bearer ${this.token}`, 'content-type': 'application/json' },
      body: JSON.stringify({
        using: ['urn:ietf:params:jmap:core', 'urn:ietf:params:jmap:mail'],
        methodCalls: calls,
      }),
    });
    if (response.status !== 200) throw new Error(`JMAP API: ${response.status} ${await response.text()}`);
    return ((await response.json()) as { methodResponses: JmapResponse[] }).methodResponses;
  }
}
