import type { Readable } from 'node:stream';

export type BodyResult =
  | { ok: true; body: Buffer }
  /** The body passed `limit`: answer 413 (the rest is not read). */
  | { ok: false; reason: 'too-large' }
  /** The client went away or broke the framing (truncated body, RST, bad chunk size): nobody to answer. */
  | { ok: false; reason: 'aborted'; error: Error };

/**
 * Reads a request body of at most `limit` bytes. Never rejects: a client that closes or resets
 * mid-body, or sends a chunk size that overflows, makes the request stream fail with
 * "aborted"/ECONNRESET or a parse error, and that must end this request only, not the process.
 */
export function readBody(stream: Readable, limit: number): Promise<BodyResult> {
  return new Promise((resolve) => {
    const chunks: Buffer[] = [];
    let size = 0;
    let settled = false;
    const finish = (result: BodyResult) => {
      if (settled) return;
      settled = true;
      stream.off('data', onData);
      stream.off('end', onEnd);
      stream.off('close', onClose);
      // Keep a listener: a late 'error' after we are done must not become an uncaught exception.
      stream.off('error', onError);
      stream.on('error', ignore);
      resolve(result);
    };
    const onData = (chunk: Buffer | string) => {
      const buffer = typeof chunk === 'string' ? Buffer.from(chunk) : chunk;
      size += buffer.length;
      if (size > limit) {
        stream.pause();
        return finish({ ok: false, reason: 'too-large' });
      }
      chunks.push(buffer);
    };
    const onEnd = () => finish({ ok: true, body: Buffer.concat(chunks, size) });
    const onError = (error: Error) => finish({ ok: false, reason: 'aborted', error });
    // 'close' without 'end' (IncomingMessage after a destroyed socket): the body is incomplete.
    const onClose = () =>
      finish({ ok: false, reason: 'aborted', error: new Error('closed before the body ended') });
    stream.on('data', onData);
    stream.on('end', onEnd);
    stream.on('error', onError);
    stream.on('close', onClose);
    if (stream.readableEnded) onEnd();
    else if (stream.destroyed) onClose();
  });
}

function ignore(): void {}
