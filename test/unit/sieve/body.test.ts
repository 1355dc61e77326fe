/** body (RFC 5173): :text, :raw, :content. */
import { folders, run } from './helpers';

const MULTIPART = Buffer.from(
  [
    'From: a@b.c',
    'Subject: mixed',
    'Content-Type: multipart/mixed; boundary="xx"',
    '',
    '--xx',
    'Content-Type: text/plain; charset=utf-8',
    'Content-Transfer-Encoding: quoted-printable',
    '',
    'caf=C3=A9 au lait',
    '--xx',
    'Content-Type: text/html',
    '',
    '<p>Hello <b>bold</b> world</p>',
    '--xx',
    'Content-Type: application/pdf',
    'Content-Transfer-Encoding: base64',
    '',
    'JVBERi0xLjQ=',
    '--xx--',
    '',
  ].join('\r\n'),
);

describe('body', () => {
  it(':text (the default) searches decoded text parts, HTML as text', async () => {
    const r = await run(
      `require ["body","fileinto"];
       if body :contains "café" { fileinto "decoded"; }
       if body :text :contains "hello bold world" { fileinto "html-text"; }
       if body :contains "%PDF" { fileinto "never"; }`,
      { message: MULTIPART },
    );
    expect(folders(r)).toEqual(['decoded', 'html-text']);
  });

  it(':raw sees the undecoded body, MIME boundaries included', async () => {
    const r = await run(
      `require ["body","fileinto"];
       if body :raw :contains "caf=C3=A9" { fileinto "raw"; }
       if body :raw :contains "--xx--" { fileinto "boundary"; }`,
      { message: MULTIPART },
    );
    expect(folders(r)).toEqual(['raw', 'boundary']);
  });

  it(':content selects parts by type or type/subtype (RFC 5173 §5.2)', async () => {
    const r = await run(
      `require ["body","fileinto"];
       if body :content "application/pdf" :contains "%PDF" { fileinto "pdf"; }
       if body :content "text/html" :contains "<b>bold</b>" { fileinto "html"; }
       if body :content "text" :contains "lait" { fileinto "text"; }
       if body :content "image" :contains "" { fileinto "never"; }`,
      { message: MULTIPART },
    );
    expect(folders(r)).toEqual(['pdf', 'html', 'text']);
  });
});
