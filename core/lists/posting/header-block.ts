/**
 * A message split into its header fields (each with its folded continuation lines, no final CRLF)
 * and its body, and joined back. Lenient with broken input: a message without an empty line is
 * all header, bare LF line ends are accepted, and nothing here throws.
 */
export interface HeaderBlock {
  fields: string[];
  body: Buffer;
}

export function splitMessage(message: Buffer): HeaderBlock {
  let headerEnd: number;
  let bodyStart: number;
  if (message.subarray(0, 2).toString('latin1') === '\r\n') {
    headerEnd = 0;
    bodyStart = 2;
  } else if (message[0] === 0x0a) {
    headerEnd = 0;
    bodyStart = 1;
  } else {
    const crlf = message.indexOf('\r\n\r\n');
    const lf = message.indexOf('\n\n');
    if (crlf >= 0 && (lf < 0 || crlf < lf)) {
      headerEnd = crlf;
      bodyStart = crlf + 4;
    } else if (lf >= 0) {
      headerEnd = lf;
      bodyStart = lf + 2;
    } else {
      headerEnd = message.length;
      bodyStart = message.length;
    }
  }
  const fields: string[] = [];
  for (const line of message.subarray(0, headerEnd).toString('latin1').split(/\r?\n/)) {
    if (/^[ \t]/.test(line) && fields.length > 0) fields[fields.length - 1] += '\r\n' + line;
    else if (line !== '') fields.push(line);
  }
  return { fields, body: message.subarray(bodyStart) };
}

export function joinMessage(block: HeaderBlock): Buffer {
  const header = block.fields.map((f) => f + '\r\n').join('');
  return Buffer.concat([Buffer.from(header, 'latin1'), Buffer.from('\r\n'), block.body]);
}

/** The lower-cased name of a field ('' when it has no colon). */
export function fieldName(field: string): string {
  const colon = field.indexOf(':');
  return colon < 0 ? '' : field.slice(0, colon).trim().toLowerCase();
}

/** The unfolded, trimmed value of a field. */
export function fieldValue(field: string): string {
  const colon = field.indexOf(':');
  return field
    .slice(colon + 1)
    .replace(/\r?\n[ \t]+/g, ' ')
    .trim();
}

/** The value of the first field called `name`, or null. */
export function firstField(fields: string[], name: string): string | null {
  const lower = name.toLowerCase();
  const found = fields.find((f) => fieldName(f) === lower);
  return found === undefined ? null : fieldValue(found);
}

export function withoutFields(fields: string[], drop: (name: string) => boolean): string[] {
  return fields.filter((f) => !drop(fieldName(f)));
}

/**
 * A header field line from a name and a value we built (UTF-8 text is RFC 2047-encoded by the
 * caller); CR and LF are removed so no value can inject another field.
 */
export function makeField(name: string, value: string): string {
  return `${name}: ${value.replace(/[\r\n]+/g, ' ')}`;
}
