/** An SMTP reply: code, enhanced status (RFC 3463) and text lines. */
export interface SmtpReply {
  code: number;
  enhanced?: string;
  lines: string[];
}

export function reply(code: number, enhanced: string | undefined, ...lines: string[]): SmtpReply {
  return { code, enhanced, lines: lines.length > 0 ? lines : [''] };
}

/** Formats a reply; enhanced codes are only sent when the client saw ENHANCEDSTATUSCODES. */
export function formatReply(r: SmtpReply, enhancedCodes: boolean): string {
  return r.lines
    .map((line, index) => {
      const separator = index === r.lines.length - 1 ? ' ' : '-';
      const status = enhancedCodes && r.enhanced ? `${r.enhanced} ` : '';
      return `${r.code}${separator}${status}${line}\r\n`;
    })
    .join('');
}
