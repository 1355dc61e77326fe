/** envelope (RFC 5228 §5.4) and subaddress (RFC 5233). */
import { folders, run } from './helpers';

describe('envelope and subaddress', () => {
  it('envelope parts from and to', async () => {
    const r = await run(`require ["envelope","fileinto"];
      if envelope :all :is "from" "alice@example.com" { fileinto "from"; }
      if envelope :domain :is "to" "x.org" { fileinto "to"; }`);
    expect(folders(r)).toEqual(['from', 'to']);
  });

  it(':user and :detail (RFC 5233 §4 examples)', async () => {
    const r = await run(`require ["envelope","subaddress","fileinto"];
      if envelope :user "to" "me" { fileinto "user"; }
      if envelope :detail "to" "list" { fileinto "detail"; }
      if address :detail "from" "work" { fileinto "from-detail"; }
      if address :detail "to" "" { fileinto "never"; }`);
    expect(folders(r)).toEqual(['user', 'detail', 'from-detail']);
  });

  it('an empty detail ("me+") matches ""', async () => {
    const r = await run(
      'require ["envelope","subaddress","fileinto"]; if envelope :detail "to" "" { fileinto "empty"; }',
      {
        envelope: { from: 'a@b.c', to: 'me+@x.org' },
      },
    );
    expect(folders(r)).toEqual(['empty']);
  });

  it(':detail needs require "subaddress"', async () => {
    await expect(run('if address :detail "to" "x" { keep; }')).rejects.toThrow(/subaddress/);
  });
});
