import { ENV } from '../../lib/shared/env.js';
import { endpointIsLocal } from './rotate.js';

/**
 * On the local stack, with no state table named, uses the local stage's table (created when
 * missing): registration pins bindings there and rotation checks them, as deployed. The same for
 * the two MAC keys that sign bindings and ledger records (the local stage's aliases, keys
 * created when missing). Against AWS the table and keys are the stack's (outputs
 * `StateTableName`, `BindingMacKeyArn`, `LedgerMacKeyArn`) and must be named.
 */
export async function withLocalStateTable(env: NodeJS.ProcessEnv): Promise<NodeJS.ProcessEnv> {
  if (!endpointIsLocal(env)) return env;
  if (env[ENV.stateTable] && env[ENV.bindingMacKey] && env[ENV.ledgerMacKey]) return env;
  const [
    { CreateTableCommand, DynamoDBClient, ResourceInUseException },
    { LOCAL_STAGE, stateTableInput },
    { clientConfig },
  ] = await Promise.all([
    import('@aws-sdk/client-dynamodb'),
    import('../../scripts/localStage.js'),
    import('../../lib/aws/clients.js'),
  ]);
  const out = { ...env };
  if (!out[ENV.stateTable]) {
    try {
      await new DynamoDBClient(clientConfig({ maxAttempts: 2 })).send(
        new CreateTableCommand(stateTableInput(LOCAL_STAGE.stateTable)),
      );
    } catch (error) {
      if (!(error instanceof ResourceInUseException)) throw error;
    }
    out[ENV.stateTable] = LOCAL_STAGE.stateTable;
  }
  if (!out[ENV.bindingMacKey] || !out[ENV.ledgerMacKey]) {
    const { ensureLocalMacKey } = await import('../../scripts/localMacKeys.js');
    out[ENV.bindingMacKey] ||= await ensureLocalMacKey(LOCAL_STAGE.bindingMacKey);
    out[ENV.ledgerMacKey] ||= await ensureLocalMacKey(LOCAL_STAGE.ledgerMacKey);
  }
  return out;
}
