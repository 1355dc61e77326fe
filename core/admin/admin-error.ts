/**
 * A refused admin command, with a machine-readable code (the CLI maps it to an exit code, the API to
 * 422). Its own module so the CLI can name it without loading every admin command's dependencies.
 */
export class AdminError extends Error {
  constructor(
    readonly code: string,
    message: string,
  ) {
    super(message);
    this.name = 'AdminError';
  }
}
