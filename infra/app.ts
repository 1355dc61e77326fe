/**
 * CDK app entry: `npx cdk synth|diff|deploy -c stage=<dev|staging|prod> --all`.
 * Stage settings are typed in infra/config/stages.ts; cdk.json only fixes availability zones.
 */
import { App } from 'aws-cdk-lib';
import { stageByName } from './config/stages';
import { addNagChecks, addStage } from './nimbus-app';

const app = new App();
addStage(app, { stage: stageByName(app.node.tryGetContext('stage') as string | undefined) });
addNagChecks(app);
app.synth();
