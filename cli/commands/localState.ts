import { ENV } from '../../lib/shared/env.js';
import { endpointIsLocal } from './rotate.js';

/**
 * On the local stack, with no state table named, uses the local stage's table (created when
 * missing): registration pins bindings there and rotation checks them, as deployed. Against AWS
 * the table is the stack's (output `StateTableName`) and must be named.
 */
export async function withLocalStateTable(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  if (env[ENV.stateTable] || !endpointIsLocal(env)) return env;
  const [
    { CreateTableCommand, DynamoDBClient, ResourceInUseException },
    { LOCAL_STAGE, stateTableInput },
    { clientConfig },
  ] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('../../scripts/localStage.js'),
    import('../../lib/aws/clients.js'),
  ]);
  try {
    await new DynamoDBClient(clientConfig({ maxAttempts: 2 })).send(
      new CreateTableCommand(stateTableInput(LOCAL_STAGE.stateTable)),
    );
  } catch (error) {
    if (!(error instanceof ResourceInUseException)) throw error;
  }
  return { ...env, [ENV.stateTable]: LOCAL_STAGE.stateTable };
}
