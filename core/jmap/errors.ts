/** A method-level error (RFC 8620 §3.6.2): becomes ["error", {type, description}, callId]. */
export class JmapMethodError extends Error {
  constructor(
    readonly type: string,
    description?: string,
    readonly extra: Record<string, unknown> = {},
  ) {
    super(description ?? type);
    this.name = 'JmapMethodError';
  }
}

/** A request-level error (RFC 8620 §3.6.1): a problem-details JSON response with this status. */
export class JmapRequestError extends Error {
  constructor(
    readonly type: string,
    readonly status: number,
    detail: string,
    /** More problem-details members, e.g. `limit` for urn:ietf:params:jmap:error:limit. */
    readonly extra: Record<string, unknown> = {},
  ) {
    super(detail);
    this.name = 'JmapRequestError';
  }
}

/** A SetError (RFC 8620 §5.3) for one object of a /set call. */
export interface SetError {
  type: string;
  description?: string;
  properties?: string[];
}

export const setError = (type: string, description?: string, properties?: string[]): SetError => ({
  type,
  ...(description ? { description } : {}),
  ...(properties ? { properties } : {}),
});
