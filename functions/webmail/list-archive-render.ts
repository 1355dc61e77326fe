/**
 * An archived post as an HTML document (the permalink page and the reader's iframe): its From,
 * Subject and Date, then the body through the webmail's sanitiser (render.ts), never raw HTML.
 */
import { bodyLists, partText } from '../../core/jmap/email-body';
import type { ArchiveListRow } from '../../core/lists/archive';
import type { ArchivedPost } from '../../core/lists/archive/archive-read';
import { sanitizeMailHtml } from './render';

const escapeHtml = (s: string) => s.replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);

export function renderArchivedPost(
  list: ArchiveListRow,
  post: ArchivedPost,
  remoteImages: boolean,
): { doc: string; blockedImages: number } {
  const lists = bodyLists(0, post.structure);
  const htmlLeaf = lists.htmlBody.find((l) => l.jmap.type === 'text/html');
  let content: string;
  let blockedImages = 0;
  if (htmlLeaf) {
    const result = sanitizeMailHtml(partText(post.raw, htmlLeaf.part), { remoteImages });
    content = result.html;
    blockedImages = result.blockedImages;
  } else {
    const text = lists.textBody
      .filter((l) => l.jmap.type === 'text/plain')
      .map((l) => partText(post.raw, l.part))
      .join('\n\n');
    content = `<pre>${escapeHtml(text)}</pre>`;
  }
  const meta = [
    ['List', `${list.name} <${list.address}>`],
    ['From', post.from],
    ['Subject', post.subject],
    ['Date', post.sentAt ?? post.archivedAt],
  ]
    .map(([k, v]) => `<div><b>${k}:</b> ${escapeHtml(v)}</div>`)
    .join('');
  const doc = `<!doctype html><html><head><meta charset="utf-8"><meta name="referrer" content="no-referrer"><base target="_blank"><title>${escapeHtml(post.subject)}</title><style>body{font:14px/1.5 system-ui,sans-serif;margin:12px;color:#222;word-wrap:break-word}header{border-bottom:1px solid #ccc;margin-bottom:12px;padding-bottom:8px}pre{white-space:pre-wrap;font:13px/1.45 ui-monospace,monospace}img{max-width:100%;height:auto}</style></head><body><header>${meta}</header>${content}</body></html>`;
  return { doc, blockedImages };
}
