"""Independent checks of Nimbus list copies (test/integration/lists-independent-tools.test.ts).

argv: member-copy.eml public-key-base64 dsn.eml
Prints one "ok ..." line per check; any failure raises.
"""
import email
import re
import sys

import dkim
import dkim.util
from flufl.bounce import scan_message

copy_path, public_key, dsn_path = sys.argv[1:4]
copy = open(copy_path, 'rb').read()


def dnsfunc(name, timeout=5):
    if name in (b'sel._domainkey.lists.test.', b'sel._domainkey.lists.test'):
        return ('v=DKIM1; k=rsa; p=' + public_key).encode()
    return None


d = dkim.DKIM(copy)
assert d.verify(dnsfunc=dnsfunc), 'dkimpy: the list DKIM signature does not verify'
print('ok dkim verify')

signature = email.message_from_bytes(copy)['DKIM-Signature']
tags = dkim.util.parse_tag_value(re.sub(r'\s+', '', signature).encode())
assert tags[b'd'] == b'lists.test', tags[b'd']
signed = [h.strip().lower() for h in tags[b'h'].split(b':')]
for name in (b'from', b'list-unsubscribe', b'list-unsubscribe-post', b'list-id'):
    assert name in signed, (name, signed)
print('ok dkim h= covers list-unsubscribe-post')

dsn = email.message_from_bytes(open(dsn_path, 'rb').read())
found = scan_message(dsn)
assert found == {b'bob@remote.test'}, found
print('ok flufl.bounce finds the member')

# Mailman 3's default verp_regexp (mailman/config/schema.cfg) reads our VERP envelope sender.
verp = re.match(r'^(?P<bounces>[^+]+?)\+(?P<local>[^=]+)=(?P<domain>[^@]+)@.*$', dsn['To'].strip('<>'))
assert verp and verp.group('bounces') == 'dev-bounces', dsn['To']
assert '%s@%s' % (verp.group('local'), verp.group('domain')) == 'bob@remote.test'
print('ok mailman verp_regexp')
