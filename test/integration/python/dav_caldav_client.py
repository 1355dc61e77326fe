#!/usr/bin/python3
"""python3-caldav (Debian) against Nimbus: principal, calendars, save, date search across a
recurring event, sync tokens and the scheduling inbox. Prints one line per step ("ok <step>")
and exits non-zero on the first failure, so the Node test can report which step broke.

usage: dav_caldav_client.py <base-url> <organizer> <password> <attendee> <attendee-password>
"""
import sys
from datetime import datetime, timezone

import caldav

BASE, USER, PASSWORD, ATTENDEE, ATTENDEE_PASSWORD = sys.argv[1:6]

RECURRING = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Nimbus test//python-caldav//EN
BEGIN:VTIMEZONE
TZID:Europe/Berlin
BEGIN:DAYLIGHT
TZOFFSETFROM:+0100
TZOFFSETTO:+0200
TZNAME:CEST
DTSTART:19700329T020000
RRULE:FREQ=YEARLY;BYMONTH=3;BYDAY=-1SU
END:DAYLIGHT
BEGIN:STANDARD
TZOFFSETFROM:+0200
TZOFFSETTO:+0100
TZNAME:CET
DTSTART:19701025T030000
RRULE:FREQ=YEARLY;BYMONTH=10;BYDAY=-1SU
END:STANDARD
END:VTIMEZONE
BEGIN:VEVENT
UID:python-weekly@nimbus.test
DTSTAMP:20260301T000000Z
DTSTART;TZID=Europe/Berlin:20260316T090000
DTEND;TZID=Europe/Berlin:20260316T100000
RRULE:FREQ=WEEKLY;COUNT=10
EXDATE;TZID=Europe/Berlin:20260330T090000
SUMMARY:Weekly (python)
END:VEVENT
END:VCALENDAR
"""

SINGLE = """BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Nimbus test//python-caldav//EN
BEGIN:VEVENT
UID:python-single@nimbus.test
DTSTAMP:20260301T000000Z
DTSTART:20260702T120000Z
DTEND:20260702T130000Z
SUMMARY:Single (python)
END:VEVENT
END:VCALENDAR
"""

INVITATION = f"""BEGIN:VCALENDAR
VERSION:2.0
PRODID:-//Nimbus test//python-caldav//EN
BEGIN:VEVENT
UID:python-invite@nimbus.test
DTSTAMP:20260301T000000Z
DTSTART:20260801T100000Z
DTEND:20260801T110000Z
SUMMARY:Invitation (python)
ORGANIZER:mailto:{USER}
ATTENDEE;PARTSTAT=ACCEPTED:mailto:{USER}
ATTENDEE;PARTSTAT=NEEDS-ACTION;RSVP=TRUE:mailto:{ATTENDEE}
END:VEVENT
END:VCALENDAR
"""


def step(name, ok, detail=""):
    if not ok:
        print(f"FAIL {name} {detail}", flush=True)
        sys.exit(1)
    print(f"ok {name}", flush=True)


def utc(*args):
    return datetime(*args, tzinfo=timezone.utc)


client = caldav.DAVClient(url=f"{BASE}/.well-known/caldav", username=USER, password=PASSWORD)
principal = client.principal()
step("principal", principal is not None and USER.split("@")[0] in str(principal.url), str(principal.url))

calendars = principal.calendars()
step("calendars", len(calendars) >= 1, str([str(c.url) for c in calendars]))
calendar = next((c for c in calendars if str(c.url).rstrip("/").endswith("/personal")), calendars[0])

before = calendar.objects_by_sync_token(load_objects=False)
token = before.sync_token
step("sync-token", bool(token), repr(token))

calendar.save_event(RECURRING)
calendar.save_event(SINGLE)
step("save", len(calendar.events()) >= 2)

# 16 March–19 April: 16, 23 March, (30 March excluded), 6, 13 April → four instances; DST on 29 March.
found = calendar.date_search(start=utc(2026, 3, 15), end=utc(2026, 4, 20), expand=True)
# date_search keeps the expanded instances in one resource (split_expanded=False): count VEVENTs.
starts = sorted(str(v["DTSTART"].dt) for e in found for v in e.icalendar_instance.walk("VEVENT"))
expected = ["2026-03-16 08:00:00+00:00", "2026-03-23 08:00:00+00:00", "2026-04-06 07:00:00+00:00", "2026-04-13 07:00:00+00:00"]
step("date-search-recurring", len(found) == 1 and starts == expected, repr(starts))
outside = calendar.date_search(start=utc(2026, 6, 1), end=utc(2026, 6, 30), expand=True)
step("date-search-empty", len(outside) == 0, repr(outside))
single = calendar.date_search(start=utc(2026, 7, 2, 12, 30), end=utc(2026, 7, 2, 12, 45), expand=False)
step("date-search-single", len(single) == 1, repr(single))

changes = calendar.objects_by_sync_token(sync_token=token, load_objects=False)
step("sync-changes", len(list(changes)) == 2 and changes.sync_token != token, repr(list(changes)))
again = calendar.objects_by_sync_token(sync_token=changes.sync_token, load_objects=False)
step("sync-nothing-new", len(list(again)) == 0, repr(list(again)))

calendar.save_event(INVITATION)
attendee = caldav.DAVClient(url=f"{BASE}/.well-known/caldav", username=ATTENDEE, password=ATTENDEE_PASSWORD)
inbox = attendee.principal().schedule_inbox()
items = inbox.get_items()
step("schedule-inbox", any("python-invite@nimbus.test" in i.data for i in items), repr(items))
attendee_events = attendee.principal().calendars()[0].events()
step("invitation-in-calendar", any("python-invite@nimbus.test" in e.data for e in attendee_events))
print("done", flush=True)
