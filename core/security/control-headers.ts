/**
 * Header fields the MX adds for delivery and the user (X-Nimbus-Folder, X-Nimbus-Quarantine,
 * X-Nimbus-Spam …). Senders must not be able to set them: every incoming X-Nimbus-* field, and any
 * Authentication-Results claiming our own authserv-id (RFC 8601 §5), is removed before ours go on.
 */
export const FOLDER_HEADER = 'X-Nimbus-Folder';
export const QUARANTINE_HEADER = 'X-Nimbus-Quarantine';

/** Removes sender-supplied control headers from a message's header section. */
export function stripControlHeaders(message: Buffer, authservId: string): Buffer {
  let end = message.indexOf('\r\n\r\n');
  let bodyStart: number;
  if (end < 0) {
    end = message.length;
    bodyStart = message.length;
  } else {
    bodyStart = end + 2; // keep the empty line with the body
  }
  const header = message.subarray(0, end).toString('latin1');
  const fields = splitFields(header);
  const id = authservId.toLowerCase();
  const kept = fields.filter((field) => {
    const colon = field.indexOf(':');
    const name = (colon < 0 ? field : field.slice(0, colon)).trim().toLowerCase();
    if (name.startsWith('x-nimbus-')) return false;
    if (name === 'authentication-results') {
      const value = field
        .slice(colon + 1)
        .replace(/\([^)]*\)/g, '')
        .trim()
        .toLowerCase();
      const serv = value.split(/[\s;]/, 1)[0];
      if (serv === id) return false;
    }
    return true;
  });
  if (kept.length === fields.length) return message;
  const rebuilt = kept.length > 0 ? kept.join('\r\n') + '\r\n' : '';
  return Buffer.concat([Buffer.from(rebuilt, 'latin1'), message.subarray(bodyStart)]);
}

/** Header fields (with their folded continuation lines) of a header section without the final CRLF. */
function splitFields(header: string): string[] {
  const fields: string[] = [];
  for (const line of header.split('\r\n')) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += '\r\n' + line;
    else if (line !== '') fields.push(line);
  }
  return fields;
}

/** The value of the first header field `name` (unfolded), or null. */
export function headerValue(message: Buffer, name: string): string | null {
  let end = message.indexOf('\r\n\r\n');
  if (end < 0) end = message.length;
  const lower = name.toLowerCase();
  for (const field of splitFields(message.subarray(0, end).toString('latin1'))) {
    const colon = field.indexOf(':');
    if (colon > 0 && field.slice(0, colon).trim().toLowerCase() === lower) {
      return field
        .slice(colon + 1)
        .replace(/\r\n[ \t]+/g, ' ')
        .trim();
    }
  }
  return null;
}

/** The folder the MX asked delivery to use (X-Nimbus-Folder), or null for INBOX. */
export function deliveryFolder(message: Buffer): string | null {
  const value = headerValue(message, FOLDER_HEADER);
  if (!value || !/^[\w .-]{1,100}$/.test(value) || value.toUpperCase() === 'INBOX') return null;
  return value;
}
