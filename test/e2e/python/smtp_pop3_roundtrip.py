"""Python's own smtplib and poplib against a Nimbus node.

usage: smtp_pop3_roundtrip.py send SMTP_PORT USER TOKEN
       smtp_pop3_roundtrip.py read POP3_PORT USER PASSWORD
Prints a JSON object describing what the server answered.
"""
import json
import poplib
import smtplib
import ssl
import sys

context = ssl.create_default_context()
context.check_hostname = False
context.verify_mode = ssl.CERT_NONE


def send(port, user, token):
    result = {}
    with smtplib.SMTP("127.0.0.1", int(port)) as smtp:
        smtp.ehlo("python.test")
        smtp.starttls(context=context)
        smtp.ehlo("python.test")
        for n in range(3):
            body = f"From: py@remote.test\r\nTo: {user}\r\nSubject: {token} {n}\r\n\r\nline one\r\n.starts with dot\r\n"
            smtp.sendmail("py@remote.test", [user], body.encode())
        try:
            smtp.sendmail("py@remote.test", ["someone@elsewhere.test"], b"Subject: relay\r\n\r\nx\r\n")
            result["relay"] = "accepted"
        except smtplib.SMTPRecipientsRefused as error:
            code, message = error.recipients["someone@elsewhere.test"]
            result["relay"] = f"{code} {message.decode()}"
    return result


def session(port, user, password):
    pop = poplib.POP3("127.0.0.1", int(port))
    pop.stls(context=context)
    pop.user(user)
    pop.pass_(password)
    return pop


def read(port, user, password):
    result = {}
    pop = session(port, user, password)
    result["capa"] = sorted(pop.capa().keys())
    count, size = pop.stat()
    result["stat"] = [count, size]
    result["list"] = [line.decode() for line in pop.list()[1]]
    result["uidl"] = [line.decode() for line in pop.uidl()[1]]
    result["messages"] = [b"\r\n".join(pop.retr(n)[1]).decode() for n in range(1, count + 1)]
    result["top"] = [line.decode() for line in pop.top(1, 0)[1]]
    pop.dele(1)
    pop.quit()
    pop = session(port, user, password)
    result["after_delete_uidl"] = [line.decode() for line in pop.uidl()[1]]
    pop.quit()
    return result


if sys.argv[1] == "send":
    print(json.dumps(send(*sys.argv[2:5])))
else:
    print(json.dumps(read(*sys.argv[2:5])))
