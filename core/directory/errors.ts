export type DirectoryErrorCode =
  | 'bad-address'
  | 'bad-domain'
  | 'unknown-domain'
  | 'duplicate'
  | 'not-found'
  | 'domain-not-empty'
  | 'invalid'
  | 'alias-loop';

/** A directory operation refused for a reason a script can rely on (`code`). */
export class DirectoryError extends Error {
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}
