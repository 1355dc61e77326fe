/** Python's poplib as the client: real-world framing, STLS, POP3_SSL. */
export const POPLIB_CLIENT = String.raw`
import json, poplib, ssl, sys

mode, port, user, password = sys.argv[1], int(sys.argv[2]), sys.argv[3], sys.argv[4]
context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE
text = lambda lines: [line.decode('latin1') for line in lines]
out = {}

def login(pop):
    pop.user(user)
    pop.pass_(password)

if mode == 'stls':
    pop = poplib.POP3('127.0.0.1', port)
    out['capa_plain'] = sorted(pop.capa().keys())
    try:
        pop.user(user)
        out['user_plain'] = 'accepted'
    except poplib.error_proto as e:
        out['user_plain'] = e.args[0].decode()
    pop.stls(context=context)
    out['capa_tls'] = sorted(pop.capa().keys())
    login(pop)
    count, size = pop.stat()
    out['stat'] = [count, size]
    out['list'] = text(pop.list()[1])
    out['uidl'] = text(pop.uidl()[1])
    out['retr'] = []
    for n in range(1, count + 1):
        status, lines, octets = pop.retr(n)
        out['retr'].append({'status': status.decode(), 'text': '\r\n'.join(text(lines)), 'octets': octets})
    out['top'] = text(pop.top(3, 2)[1])
    out['top0'] = text(pop.top(1, 0)[1])
    out['dele'] = pop.dele(2).decode()
    out['quit'] = pop.quit().decode()
    pop = poplib.POP3('127.0.0.1', port)
    pop.stls(context=context)
    login(pop)
    out['stat_after'] = list(pop.stat())
    out['uidl_after'] = text(pop.uidl()[1])
    pop.quit()
elif mode == 'ssl':
    pop = poplib.POP3_SSL('127.0.0.1', port, context=context)
    out['capa'] = sorted(pop.capa().keys())
    login(pop)
    out['stat'] = list(pop.stat())
    out['retr'] = '\r\n'.join(text(pop.retr(1)[1]))
    pop.quit()
elif mode == 'wrong':
    pop = poplib.POP3_SSL('127.0.0.1', port, context=context)
    try:
        login(pop)
        out['result'] = 'accepted'
    except poplib.error_proto as e:
        out['result'] = e.args[0].decode()
    pop.quit()
print(json.dumps(out))
`;
