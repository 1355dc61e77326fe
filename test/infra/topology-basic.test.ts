import { STAGES } from '../../infra/config/stages';
import { describeTopology } from './topology-assertions';

describe('basic topology (dev)', () => {
  describeTopology(STAGES.dev, {
    services: { node: ['mx', 'submission', 'imap', 'pop3', 'managesieve', 'delivery', 'mta', 'web'] },
    nlbPorts: { node: [25, 465, 587, 143, 993, 110, 995, 4190] },
    webService: 'node',
    databaseInstances: 1,
    azCount: 2,
  });
});
