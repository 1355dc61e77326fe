import { STAGES } from '../../infra/config/stages';
import { describeTopology } from './topology-assertions';

describe('standard topology (staging)', () => {
  describeTopology(STAGES.staging, {
    services: { mail: ['mx', 'submission', 'imap', 'pop3', 'managesieve', 'delivery', 'mta'], web: ['web'] },
    nlbPorts: { mail: [25, 465, 587, 143, 993, 110, 995, 4190], web: [] },
    webService: 'web',
    databaseInstances: 2,
    azCount: 2,
  });
});
