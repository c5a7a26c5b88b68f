import { EventBridgeAlertSink, SnsAlertSink } from './alertSinks.js';
import type { AlertSink } from '../alerts/alert.js';
import type { BindingWriter } from '../rotation/binding.js';
import { IssuerError } from '../rotation/errors.js';
import { MapIssuerRegistry } from '../rotation/issuerRegistry.js';
import { GeneratedIssuer } from '../rotation/issuers/generated.js';
import { Rfc7592Issuer } from '../rotation/issuers/rfc7592.js';
import { vendorIssuers } from '../rotation/issuers/vendorIssuers.js';
import { systemClock, type RotationDeps } from '../rotation/ports.js';
import { HttpCredentialVerifier } from '../rotation/verifier.js';
import { ENV } from '../shared/env.js';
import { CognitoIssuer } from './cognitoIssuer.js';
import { AgentCoreGatewayReader } from './gatewayReader.js';
import { AgentCoreProviders } from './identityProviders.js';
import { lambdaInvoker } from './lambdaInvoker.js';
import { bindingStoreFromEnv } from './bindingStore.js';
import { DynamoDbRotationLock } from './rotationLock.js';
import { SecretsManagerStore } from './secretsStore.js';

export interface AwsRotationDeps extends RotationDeps {
  store: SecretsManagerStore;
  bindings: BindingWriter;
  /** Channels for failure alerts (SNS topic and bus), from the environment. */
  alerts: AlertSink[];
}

/**
 * The rotation engine wired to AWS (or whatever `AWS_ENDPOINT_URL` points at): Secrets
 * Manager, AgentCore Identity and control plane, every issuer adapter, HTTP verification.
 * Success events go to the gatewarden bus; failure alerts to the bus and the SNS topic. With
 * `GATEWARDEN_STATE_TABLE` set, in-process drivers take their rotation lease in that table, and
 * every document is checked against its registration binding there (each item's MAC checked with
 * the keys `GATEWARDEN_BINDING_MAC_KEY` / `GATEWARDEN_LEDGER_MAC_KEY`); without them, nothing rotates.
 */
export function awsRotationDeps(env: NodeJS.ProcessEnv = process.env): AwsRotationDeps {
  const store = new SecretsManagerStore();
  const readSecret = async (secretId: string): Promise<string> => {
    const value = await store.getValue(secretId, { stage: 'AWSCURRENT' });
    if (value === undefined)
      throw new IssuerError('admin credential secret has no current value', {
        context: { secretId },
      });
    return value;
  };
  const workloadName = env.GATEWARDEN_WORKLOAD_NAME;
  const providers = new AgentCoreProviders(undefined, undefined, workloadName);
  const bus = env[ENV.eventBusName] ? [new EventBridgeAlertSink(env[ENV.eventBusName] ?? '')] : [];
  const topic = env[ENV.alertTopicArn] ? [new SnsAlertSink(env[ENV.alertTopicArn] ?? '')] : [];
  const table = env[ENV.stateTable];
  return {
    store,
    bindings: bindingStoreFromEnv(env),
    providers,
    // Data-plane read-back for the CLI; the deployed rotate function drops it (no grant).
    ...(workloadName ? { providerReader: providers } : {}),
    gateways: new AgentCoreGatewayReader(),
    verifier: new HttpCredentialVerifier(),
    issuers: new MapIssuerRegistry([
      new GeneratedIssuer(store),
      new CognitoIssuer(),
      new Rfc7592Issuer(store),
      ...vendorIssuers({ readSecret, invokeLambda: lambdaInvoker() }),
    ]),
    clock: systemClock,
    ...(table ? { lock: new DynamoDbRotationLock(table) } : {}),
    events: bus,
    alerts: [...topic, ...bus],
  };
}
