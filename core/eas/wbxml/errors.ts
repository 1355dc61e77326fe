/** The only error the WBXML decoder and encoder throw: bad input or a limit reached. */
export class WbxmlError extends Error {
  constructor(
    readonly code:
      'truncated' | 'malformed' | 'unknown-token' | 'unsupported' | 'too-large' | 'too-deep' | 'too-many',
    message: string,
  ) {
    super(message);
    this.name = 'WbxmlError';
  }
}

/** Bounds on one document, so hostile input costs little. */
export interface WbxmlLimits {
  maxBytes: number;
  maxDepth: number;
  maxElements: number;
}

export const DEFAULT_WBXML_LIMITS: WbxmlLimits = {
  maxBytes: 16 * 1024 * 1024,
  maxDepth: 64,
  maxElements: 100_000,
};
