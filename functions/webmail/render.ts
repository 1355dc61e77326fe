/**
 * Mail bodies for display: HTML through sanitize-html (no scripts, event handlers, javascript:
 * URLs, forms, <style>, SVG or remote content unless the reader chose "load images"), served as
 * its own document with a CSP that forbids scripts and is shown in a sandboxed iframe.
 */
import sanitizeHtml from 'sanitize-html';
import type { JmapAccount, JmapDeps } from '../../core/jmap/context';
import { bodyLists, partText } from '../../core/jmap/email-body';
import { parseEmailId } from '../../core/jmap/ids';
import { loadMessages, rawMessage } from '../../core/jmap/messages';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

const SAFE_STYLE = /^[-#(),.%\w\s]*$/;
const style = (props: string[]) => Object.fromEntries(props.map((p) => [p, [SAFE_STYLE]]));

export function sanitizeMailHtml(
  html: string,
  options: { remoteImages: boolean },
): { html: string; blockedImages: number } {
  let blocked = 0;
  const clean = sanitizeHtml(html, {
    allowedTags: [...sanitizeHtml.defaults.allowedTags, 'img', 'font', 'center', 'span', 'div'].filter(
      (t) => !['style', 'svg', 'math'].includes(t),
    ),
    allowedAttributes: {
      a: ['href', 'name', 'title'],
      img: ['src', 'alt', 'title', 'width', 'height'],
      font: ['color', 'size', 'face'],
      td: ['colspan', 'rowspan', 'align', 'valign', 'width', 'bgcolor'],
      th: ['colspan', 'rowspan', 'align', 'valign', 'width', 'bgcolor'],
      table: ['width', 'border', 'cellpadding', 'cellspacing', 'align', 'bgcolor'],
      '*': ['style', 'dir', 'lang', 'align'],
    },
    allowedStyles: {
      '*': style([
        'color',
        'background-color',
        'font-size',
        'font-weight',
        'font-style',
        'font-family',
        'text-align',
        'text-decoration',
        'margin',
        'padding',
        'border',
        'width',
        'max-width',
        'line-height',
        'vertical-align',
      ]),
    },
    allowedSchemes: ['http', 'https', 'mailto'],
    allowedSchemesByTag: { img: options.remoteImages ? ['http', 'https', 'data'] : ['data'] },
    allowProtocolRelative: false,
    disallowedTagsMode: 'discard',
    nonTextTags: ['style', 'script', 'textarea', 'option', 'noscript', 'title', 'svg', 'math', 'template'],
    transformTags: {
      a: (tagName, attribs) => ({
        tagName,
        attribs: { ...attribs, target: '_blank', rel: 'noopener noreferrer nofollow' },
      }),
      img: (tagName, attribs) => {
        const src = attribs.src ?? '';
        if (!options.remoteImages && !src.startsWith('data:')) {
          blocked++;
          const { src: _removed, ...rest } = attribs;
          void _removed;
          return { tagName, attribs: { ...rest, alt: rest.alt ?? '[image]' } };
        }
        return { tagName, attribs };
      },
    },
  });
  return { html: clean, blockedImages: blocked };
}

/** The HTML document shown in the reading pane's iframe for one message. */
export async function renderMessage(
  deps: JmapDeps,
  account: JmapAccount,
  emailId: string,
  remoteImages: boolean,
) {
  const id = parseEmailId(emailId);
  const m = id === null ? undefined : (await loadMessages(deps, account, [id])).get(id);
  if (!m) return null;
  const raw = await rawMessage(deps, m);
  const lists = bodyLists(m.id, m.structure);
  const htmlLeaf = lists.htmlBody.find((l) => l.jmap.type === 'text/html');
  let content: string;
  let blockedImages = 0;
  if (htmlLeaf) {
    const result = sanitizeMailHtml(partText(raw, htmlLeaf.part), { remoteImages });
    content = result.html;
    blockedImages = result.blockedImages;
  } else {
    const text = lists.textBody
      .filter((l) => l.jmap.type === 'text/plain')
      .map((l) => partText(raw, l.part))
      .join('\n\n');
    content = `<pre>${escapeHtml(text)}</pre>`;
  }
  const doc = `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><base target="_blank"><style>body{font:14px/1.5 system-ui,sans-serif;margin:12px;color:#222;word-wrap:break-word}pre{white-space:pre-wrap;font:13px/1.45 ui-monospace,monospace}img{max-width:100%;height:auto}</style></head><body>${content}</body></html>`;
  return { doc, blockedImages };
}

/** CSP of the rendered mail document: no scripts at all, images only as chosen. */
export function mailDocumentCsp(remoteImages: boolean): string {
  return [
    "default-src 'none'",
    "style-src 'unsafe-inline'",
    `img-src data:${remoteImages ? ' https: http:' : ''}`,
    'font-src data:',
    "frame-ancestors 'self'",
    "base-uri 'none'",
    "form-action 'none'",
    'sandbox allow-popups allow-popups-to-escape-sandbox',
  ].join('; ');
}
