/** IDLE (RFC 2177 / RFC 9051 §6.3.13): changes are pushed from the Events port, not polled. */
import type { Handler } from './context';

export const idle: Handler = async (s, { tag, t }) => {
  t.end();
  await s.startIdle(tag);
  return null;
};
