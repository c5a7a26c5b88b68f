/**
 * The credentials the role tests rotate, one per kind of call the roles' statements allow, set
 * up as the admin sets them up in an account (the real `gatewarden register`), and where the
 * rotate function's alerts land. Every secret made is deleted by `close()`, so the sweep of a
 * stack the role tests run on again (scripts/mutateRoles.ts) only meets the current run's.
 */
import { receivedBodiesFor } from '../../support/deployedAlerts.js';
import {
  CreateApiKeyCredentialProviderCommand,
  CreateGatewayCommand,
} from '@aws-sdk/client-bedrock-agentcore-control';
import {
  CognitoIdentityProviderClient,
  CreateUserPoolClientCommand,
  CreateUserPoolCommand,
  ListUserPoolClientSecretsCommand,
} from '@aws-sdk/client-cognito-identity-provider';
import { EventBridgeClient } from '@aws-sdk/client-eventbridge';
import {
  CreateSecretCommand,
  DeleteSecretCommand,
  RotateSecretCommand,
} from '@aws-sdk/client-secrets-manager';
import { ListSubscriptionsByTopicCommand, SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { ENV } from '../../../lib/shared/env.js';
import { randomUUID } from 'node:crypto';
import { createLocalOAuth2Provider } from '../../support/agentcore.js';
import { localClient, localStack, uniqueName } from '../../support/localStack.js';
import { createQueue, ruleToQueue, subscribeQueue } from '../../support/queues.js';
import { ensureLocalRotationFunction } from '../../support/vendors/rotationFunction.js';
import { WebhookStub } from '../../support/vendors/webhook.js';
import {
  control,
  createAdminSecret,
  createPlainSecret,
  registerOidcClient,
  sm,
} from '../rotation/support.js';
import {
  LocalServer,
  pinWithCli,
  registerWithCli,
  RotatingRegistrationServer,
  type RoleStack,
} from './support.js';

const GATEWAY_ROLE = 'arn:aws:iam::123456789012:role/gatewarden-role-tests-gateway';

export interface ApiKeyFixture {
  secretArn: string;
  gatewayId: string;
  provider: string;
  initial: string;
}

export interface Fixtures {
  /** A generated key an EXTERNAL provider reads from the gatewarden secret. */
  external: ApiKeyFixture;
  /** A generated key AgentCore keeps its own copy of (MANAGED). */
  managed: ApiKeyFixture;
  /** A key the customer's webhook mints, which also holds a key gatewarden never minted. */
  webhook: { secretArn: string; registered: string; bystander: string };
  /** An OAuth2 client rotated through RFC 7592, behind a MANAGED OAuth2 provider. */
  oauth: { secretArn: string; provider: string; clientId: string; initialSecret: string };
  /** A Cognito app client agents use for a CUSTOM_JWT gateway. */
  cognito: { secretArn: string; poolId: string; clientId: string; initialId: string };
  /** A key a webhook issuer's Lambda function mints (which the local stack cannot run). */
  webhookLambda: { secretArn: string };
  /**
   * A key the webhook mints that AgentCore keeps its own copy of (MANAGED), probed at an API
   * that accepts only the keys the webhook holds live: revoking the served key breaks it.
   */
  webhookManaged: { secretArn: string; provider: string };
}

export class RoleFixtures {
  /** A third-party API: any key of 32 characters or more works. */
  readonly probe = new LocalServer((request, response) => {
    const key = request.headers['x-api-key'];
    response.writeHead(typeof key === 'string' && key.length >= 32 ? 200 : 401).end();
  });
  readonly webhookStub = new WebhookStub('role-tests-webhook-hmac-0123456789');
  /** The webhook of the MANAGED webhook key (its own, so the other's key list stays exact). */
  readonly managedStub = new WebhookStub('role-tests-managed-hmac-0123456789');
  /** A third-party API that accepts only the keys {@link managedStub} holds live. */
  readonly liveKeys = new LocalServer((request, response) => {
    const key = request.headers['x-api-key'];
    const live = [...this.managedStub.keys.values()].some((k) => k.apiKey === key);
    response.writeHead(live ? 200 : 401).end();
  });
  registration?: RotatingRegistrationServer;
  /** Queues the alert topic and the gatewarden bus deliver to. */
  readonly alerts = { topic: '', bus: '' };
  private readonly made: string[] = [];

  constructor(private readonly stack: RoleStack) {}

  async create(): Promise<Fixtures> {
    await Promise.all([
      this.probe.start(),
      this.liveKeys.start(),
      this.managedStub.server.start(),
      this.webhookStub.server.start(),
      this.alertQueues(),
    ]);
    const [external, managed, webhook, oauth, cognito, webhookLambda] = await Promise.all([
      this.apiKey('EXTERNAL'),
      this.apiKey('MANAGED'),
      this.webhook(),
      this.oauth(),
      this.cognito(),
      this.webhookLambda(),
    ]);
    const webhookManaged = await this.webhookManaged();
    return { external, managed, webhook, oauth, cognito, webhookLambda, webhookManaged };
  }

  async close(): Promise<void> {
    await Promise.all(
      this.made.map((SecretId) =>
        sm()
          .send(new DeleteSecretCommand({ SecretId, ForceDeleteWithoutRecovery: true }))
          .catch(() => undefined),
      ),
    );
    await Promise.all([
      this.probe.stop(),
      this.liveKeys.stop(),
      this.managedStub.server.stop(),
      this.webhookStub.server.stop(),
      this.registration?.stop(),
    ]);
  }

  /** Bodies of the messages on a queue of {@link alerts} that name `secretArn` (taken off it). */
  async received(queueUrl: string, secretArn: string): Promise<string[]> {
    return receivedBodiesFor(queueUrl, secretArn);
  }

  private async register(kind: 'apikey' | 'oauth' | 'inbound', flags: string[]): Promise<string> {
    const secretArn = await registerWithCli(this.stack, kind, flags);
    this.made.push(secretArn);
    return secretArn;
  }

  private async adminSecret(value: string): Promise<string> {
    const arn = await createAdminSecret(value);
    this.made.push(arn);
    return arn;
  }

  private async gateway(
    authorizer: 'AWS_IAM' | { discoveryUrl: string; allowedClients: string[] },
  ): Promise<string> {
    const created = await control().send(
      new CreateGatewayCommand({
        name: uniqueName('gw-roles'),
        roleArn: GATEWAY_ROLE,
        protocolType: 'MCP',
        ...(authorizer === 'AWS_IAM'
          ? { authorizerType: 'AWS_IAM' }
          : {
              authorizerType: 'CUSTOM_JWT',
              authorizerConfiguration: { customJWTAuthorizer: authorizer },
            }),
      }),
    );
    return created.gatewayId ?? '';
  }

  private async apiKeyProvider(apiKey: string): Promise<string> {
    const name = uniqueName('roles-key');
    await control().send(new CreateApiKeyCredentialProviderCommand({ name, apiKey }));
    return name;
  }

  private async apiKey(source: 'EXTERNAL' | 'MANAGED'): Promise<ApiKeyFixture> {
    const initial = `initial-${randomUUID()}`;
    const provider = await this.apiKeyProvider(initial);
    const gatewayId = await this.gateway('AWS_IAM');
    const secretArn = await this.register('apikey', [
      ...['--provider', provider, '--issuer', 'generated', '--gateway', gatewayId],
      ...['--probe-url', `${this.probe.url}/ping`, '--grace', '0s'],
      ...(source === 'MANAGED' ? ['--managed'] : []),
    ]);
    return { secretArn, gatewayId, provider, initial };
  }

  /** A key the customer's webhook mints, registered with its own grace period (`--grace`). */
  async webhookKey(grace: string): Promise<Fixtures['webhook']> {
    return this.webhook(grace);
  }

  private async webhook(grace = '0s'): Promise<Fixtures['webhook']> {
    const mint = (idempotencyKey: string) =>
      this.webhookStub.handle(JSON.stringify({ action: 'mint', idempotencyKey })).json as {
        credentialId: string;
        apiKey: string;
      };
    const registered = mint('before-registration');
    const provider = await this.apiKeyProvider(registered.apiKey);
    const hmacSecret = await this.adminSecret(this.webhookStub.hmacKey);
    const secretArn = await this.register('apikey', [
      ...[
        '--provider',
        provider,
        '--issuer',
        'webhook',
        '--gateway',
        await this.gateway('AWS_IAM'),
      ],
      ...['--webhook-url', this.webhookStub.server.url, '--hmac-secret', hmacSecret],
      ...['--probe-url', `${this.probe.url}/ping`, '--grace', grace],
    ]);
    // Minted at the same API after registration by someone else: never gatewarden's to revoke.
    const bystander = mint('someone-else');
    return { secretArn, registered: registered.credentialId, bystander: bystander.credentialId };
  }

  private async oauth(): Promise<Fixtures['oauth']> {
    const client = await registerOidcClient();
    this.registration = new RotatingRegistrationServer(client);
    await this.registration.start();
    const tokenSecret = await this.adminSecret(
      JSON.stringify({ registrationAccessToken: RotatingRegistrationServer.FIRST_TOKEN }),
    );
    const provider = uniqueName('roles-oauth');
    await createLocalOAuth2Provider(control(), provider, client);
    const secretArn = await this.register('oauth', [
      ...[
        '--provider',
        provider,
        '--issuer',
        'rfc7592',
        '--gateway',
        await this.gateway('AWS_IAM'),
      ],
      ...['--registration-uri', `${this.registration.url}/client`],
      ...['--registration-token-secret', tokenSecret, '--managed', '--scope', 'gateway:invoke'],
    ]);
    return { secretArn, provider, clientId: client.clientId, initialSecret: client.clientSecret };
  }

  private async webhookManaged(): Promise<Fixtures['webhookManaged']> {
    const mint = this.managedStub.handle(
      JSON.stringify({ action: 'mint', idempotencyKey: 'managed-before-registration' }),
    ).json as { apiKey: string };
    const provider = await this.apiKeyProvider(mint.apiKey);
    const hmacSecret = await this.adminSecret(this.managedStub.hmacKey);
    const secretArn = await this.register('apikey', [
      ...['--provider', provider, '--issuer', 'webhook', '--managed'],
      ...['--gateway', await this.gateway('AWS_IAM')],
      ...['--webhook-url', this.managedStub.server.url, '--hmac-secret', hmacSecret],
      ...['--probe-url', `${this.liveKeys.url}/ping`, '--grace', '0s'],
    ]);
    return { secretArn, provider };
  }

  /** No grace period: the secret it replaces is due for revocation as soon as it lands. */
  private async cognito(): Promise<Fixtures['cognito']> {
    const cognito = localClient(CognitoIdentityProviderClient);
    const pool = await cognito.send(new CreateUserPoolCommand({ PoolName: uniqueName('roles') }));
    const poolId = pool.UserPool?.Id ?? '';
    const created = await cognito.send(
      new CreateUserPoolClientCommand({
        UserPoolId: poolId,
        ClientName: 'agent',
        GenerateSecret: true,
      }),
    );
    const clientId = created.UserPoolClient?.ClientId ?? '';
    const listed = await cognito.send(
      new ListUserPoolClientSecretsCommand({ UserPoolId: poolId, ClientId: clientId }),
    );
    const current = await createPlainSecret(
      JSON.stringify({ client_secret: created.UserPoolClient?.ClientSecret }),
    );
    this.made.push(current);
    const discoveryUrl = `${this.stack.endpoint}/cognito/${poolId}/.well-known/openid-configuration`;
    const secretArn = await this.register('inbound', [
      ...['--gateway', await this.gateway({ discoveryUrl, allowedClients: [clientId] })],
      ...['--issuer', 'cognito', '--user-pool', poolId, '--client-id', clientId],
      ...['--current-secret', `${current}#client_secret`, '--grace', '0s'],
    ]);
    const initialId = listed.ClientSecrets?.[0]?.ClientSecretId ?? '';
    return { secretArn, poolId, clientId, initialId };
  }

  /**
   * The role may invoke `gatewarden-issuer-*` functions. Registration would list the issuer's
   * keys through the function, which the local stack cannot run, so the admin writes the
   * document (with a retired key past its grace) and pins it with `gatewarden register
   * update`, its break-glass path.
   */
  private async webhookLambda(): Promise<Fixtures['webhookLambda']> {
    const lambdaArn = await ensureLocalRotationFunction(
      { region: localStack().region, maxAttempts: 1 },
      'gatewarden-issuer-role-tests',
    );
    const hmacSecretArn = await this.adminSecret('role-tests-hmac-key-0123456789');
    const gatewayId = uniqueName('gw-webhook');
    const provider = uniqueName('roles-webhook');
    const created = await sm().send(
      new CreateSecretCommand({
        Name: `gatewarden/${gatewayId}/apiKey/${provider}`,
        KmsKeyId: this.stack.secretsKeyArn,
        SecretString: JSON.stringify({
          schemaVersion: 1,
          kind: 'apiKey',
          gatewayId,
          provider: { type: 'apiKey', name: provider, secretSource: 'EXTERNAL' },
          issuer: { type: 'webhook', lambdaArn, hmacSecretArn },
          test: { untested: true },
          graceSeconds: 0,
          issuerCredentialId: 'key-current',
          retiring: [
            { issuerCredentialId: 'key-retired', retireAfter: '2020-01-01T00:00:00.000Z' },
          ],
          apiKey: `current-${randomUUID()}`,
        }),
        Tags: [
          { Key: 'gatewarden:gateway', Value: gatewayId },
          { Key: 'gatewarden:kind', Value: 'apiKey' },
        ],
      }),
    );
    const secretArn = created.ARN ?? '';
    this.made.push(secretArn);
    await sm().send(
      new RotateSecretCommand({
        SecretId: secretArn,
        RotationLambdaARN: this.stack.rotateFunctionArn,
        RotationRules: { AutomaticallyAfterDays: 30 },
        RotateImmediately: false,
      }),
    );
    await pinWithCli(secretArn);
    return { secretArn };
  }

  /**
   * The same queues, subscription and rule on every run on one stack (SNS Unsubscribe cannot
   * be authorized on the local stack, and a subscription to a deleted queue would break every
   * later Publish); {@link received} tells this run's messages by their secret.
   */
  private async alertQueues(): Promise<void> {
    const sqs = localClient(SQSClient);
    const sns = localClient(SNSClient);
    const [topic, bus] = await Promise.all([
      createQueue(sqs, 'gatewarden-role-tests-topic'),
      createQueue(sqs, 'gatewarden-role-tests-bus'),
    ]);
    const TopicArn = this.stack.functionEnv.rotate[ENV.alertTopicArn];
    const { Subscriptions = [] } = await sns.send(
      new ListSubscriptionsByTopicCommand({ TopicArn }),
    );
    if (!Subscriptions.some((subscription) => subscription.Endpoint === topic.arn)) {
      await subscribeQueue(sns, sqs, TopicArn ?? '', topic);
    }
    await ruleToQueue(localClient(EventBridgeClient), {
      sqs,
      rule: 'gatewarden-role-tests-alerts',
      bus: this.stack.functionEnv.rotate[ENV.eventBusName],
      pattern: { source: ['gatewarden'] },
      queueArn: bus.arn,
    });
    Object.assign(this.alerts, { topic: topic.url, bus: bus.url });
  }
}
