/**
 * The one JSON reader for request bodies (JMAP, admin API, webmail, the node's admin endpoint).
 * JSON.parse itself copes with any nesting, but everything that walks the value afterwards
 * (JSON.stringify of a response, audit redaction, filters) recurses, and 5,000 levels overflow
 * the stack. So size and nesting depth are checked on the raw bytes first, in one loop without
 * recursion, and only a body within both limits is parsed.
 */

export interface JsonLimits {
  /** Deepest nesting of arrays and objects: `[]` is 1, `{"a":[]}` is 2. */
  maxDepth: number;
  maxBytes: number;
}

export const DEFAULT_JSON_LIMITS: JsonLimits = { maxDepth: 64, maxBytes: 1024 * 1024 };

export type JsonProblem = 'too-large' | 'too-deep' | 'not-json';

/** A body that is not acceptable JSON. A SyntaxError, so callers that map SyntaxError to 400 keep working. */
export class JsonBodyError extends SyntaxError {
  constructor(
    readonly problem: JsonProblem,
    message: string,
  ) {
    super(message);
    this.name = 'JsonBodyError';
  }
}

const QUOTE = 0x22;
const BACKSLASH = 0x5c;
const OPEN_ARRAY = 0x5b;
const CLOSE_ARRAY = 0x5d;
const OPEN_OBJECT = 0x7b;
const CLOSE_OBJECT = 0x7d;

/**
 * The deepest nesting in `bytes`, stopping early once it passes `stopAbove`. Brackets inside
 * strings do not count. Bytes of multi-byte UTF-8 characters are all >= 0x80, so scanning bytes
 * sees exactly the structural characters a parser sees. On malformed input the figure is only
 * an estimate; JSON.parse rejects such input anyway.
 */
export function nestingDepth(bytes: Uint8Array, stopAbove = Infinity): number {
  let depth = 0;
  let deepest = 0;
  let inString = false;
  for (let i = 0; i < bytes.length; i++) {
    const c = bytes[i];
    if (inString) {
      if (c === BACKSLASH) i++;
      else if (c === QUOTE) inString = false;
      continue;
    }
    if (c === QUOTE) inString = true;
    else if (c === OPEN_ARRAY || c === OPEN_OBJECT) {
      depth++;
      if (depth > deepest) {
        deepest = depth;
        if (deepest > stopAbove) return deepest;
      }
    } else if ((c === CLOSE_ARRAY || c === CLOSE_OBJECT) && depth > 0) depth--;
  }
  return deepest;
}

/** Parses a request body within `limits`; throws JsonBodyError saying which limit or rule it broke. */
export function parseBoundedJson(
  input: Uint8Array | string,
  limits: JsonLimits = DEFAULT_JSON_LIMITS,
): unknown {
  const bytes = typeof input === 'string' ? Buffer.from(input, 'utf8') : input;
  if (bytes.length > limits.maxBytes)
    throw new JsonBodyError('too-large', `JSON body larger than ${limits.maxBytes} bytes`);
  if (nestingDepth(bytes, limits.maxDepth) > limits.maxDepth)
    throw new JsonBodyError('too-deep', `JSON nested deeper than ${limits.maxDepth} levels`);
  try {
    return JSON.parse(Buffer.from(bytes.buffer, bytes.byteOffset, bytes.length).toString('utf8')) as unknown;
  } catch {
    throw new JsonBodyError('not-json', 'the body is not valid JSON');
  }
}
