/**
 * MeetingResponse (MS-ASCMD §2.2.1.11): one Result per Request, with the RequestId (or LongId)
 * echoed, Status (1 done, 2 not a meeting request this account can answer, 3 mailbox error) and
 * the calendar item's CalendarId when accepted or tentative. The work is core/eas/send/meeting-*.
 */
import { reply, type EasCommand } from '../command';
import { CommonStatus } from '../protocol';
import { parseMeetingResponse, type InvalidAnswer, type MeetingAnswer } from '../send/meeting-request';
import { respondToMeeting, type MeetingOutcome } from '../send/meeting-respond';
import { MeetingStatus } from '../send/status';
import { el } from '../wbxml/tree';

const NS = 'MeetingResponse';

function result(answer: MeetingAnswer | InvalidAnswer, outcome: MeetingOutcome, version: string) {
  const echo = 'invalid' in answer ? answer.echo : answer.echo;
  return el(
    NS,
    'Result',
    echo && (echo.name === 'LongId' ? el('Search', 'LongId', echo.value) : el(NS, 'RequestId', echo.value)),
    el(NS, 'Status', outcome.status),
    outcome.calendarId !== undefined && el(NS, 'CalendarId', outcome.calendarId),
    // 16.x echoes the occurrence answered.
    !('invalid' in answer) &&
      answer.instanceId !== undefined &&
      Number(version) >= 16 &&
      el(NS, 'InstanceId', answer.instanceId.toISOString()),
  );
}

export const meetingResponseCommand: EasCommand = {
  name: 'MeetingResponse',
  root: { namespace: NS, name: 'MeetingResponse' },
  needsPolicy: true,
  async handle(request) {
    const answers = parseMeetingResponse(request.body);
    if (!answers) return reply(el(NS, 'MeetingResponse', el(NS, 'Status', CommonStatus.InvalidXML)));
    const { deps, account, version } = request;
    const results = [];
    for (const answer of answers) {
      let outcome: MeetingOutcome;
      if ('invalid' in answer || !deps.pimStore) outcome = { status: MeetingStatus.InvalidRequest };
      else outcome = await respondToMeeting({ ...deps, pimStore: deps.pimStore }, account, version, answer);
      results.push(result(answer, outcome, version));
    }
    return reply(el(NS, 'MeetingResponse', ...results));
  },
};
