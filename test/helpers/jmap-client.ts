/** A minimal JMAP client over HTTP Basic for the e2e suites (method calls and the session). */
const basic = (user: string, password: string) =>
  'Basic ' + Buffer.from(`${user}:${password}`).toString('base64');

// eslint-disable-next-line @typescript-eslint/no-explicit-any -- JMAP results are loosely typed in tests
export type MethodResponse = [string, Record<string, any>, string];

export class JmapTestClient {
  constructor(
    private readonly port: () => number,
    private readonly password: string,
    private readonly using: string[],
  ) {}

  async call(user: string, calls: unknown[]): Promise<MethodResponse[]> {
    const res = await fetch(`http://127.0.0.1:${this.port()}/jmap/api`, {
      method: 'POST',
      headers: { authorization: basic(user, this.password), 'content-type': 'application/json' },
      body: JSON.stringify({ using: ['urn:ietf:params:jmap:core', ...this.using], methodCalls: calls }),
    });
    if (res.status !== 200) throw new Error(`JMAP API answered ${res.status}`);
    return ((await res.json()) as { methodResponses: MethodResponse[] }).methodResponses;
  }

  /** The user's primary account for a capability, from the session resource. */
  async accountId(user: string, capability: string): Promise<string> {
    const res = await fetch(`http://127.0.0.1:${this.port()}/.well-known/jmap`, {
      headers: { authorization: basic(user, this.password) },
    });
    return ((await res.json()) as { primaryAccounts: Record<string, string> }).primaryAccounts[capability];
  }
}
