/**
 * The local stand-in: what moto lacks, answered in the real wire format of each operation.
 * TEST/DEMO COMPONENT — not product code; nothing in lib/ knows it exists.
 *
 * Extension point: the front tries {@link standinRoutes} in order and proxies everything no
 * route claims to moto. To stand in for another operation, write a `StandinRoute` (see
 * `context.ts`) in its own file here and add it to the table below. Routes keep their state
 * with `context.state(key, create)`. A route that names its service `model` gets its requests
 * validated against the official model first (`model/`).
 */
import { validatePolicyRoute } from './accessAnalyzer.js';
import { agentcorePolicyRoute } from './agentcorePolicy.js';
import {
  lakeAdminRoute,
  lakeGetQueryResultsRoute,
  lakeStartQueryRoute,
} from './cloudtrail/lake.js';
import { lookupEventsRoute, seedEventsRoute } from './cloudtrail/routes.js';
import { cognitoOauthRoute, cognitoSecretsRoute } from './cognito.js';
import type { StandinRoute } from './context.js';
import { gatewayDataAdminRoute, gatewayDataRoute } from './gatewayData.js';
import { identityControlRoute } from './identity/controlRoutes.js';
import { identityDataRoute } from './identity/dataRoutes.js';
import { simulatePrincipalPolicyRoute } from './iam/simulate.js';
import { modelChecked } from './model/index.js';
import { putEventsSourceRoute, serviceEventsRoute } from './eventSources.js';
import { ruleDeliveryRoute } from './ruleDelivery.js';
import { rotateSecretRoute } from './secretsRotation.js';
import { serviceDeliveryRoute } from './serviceDelivery.js';
import { providerTagsRoute, userPoolTagsRoute } from './tags.js';

export type { FrontRequest, StandinContext, StandinRoute } from './context.js';

export function standinRoutes(): StandinRoute[] {
  return [
    // A gateway's MCP endpoint (initialize, tools/list) by its Host, inbound authorizer checked.
    gatewayDataRoute,
    gatewayDataAdminRoute,
    // AgentCore Identity: credential providers, workload identities, token vault (control plane)
    // and workload tokens, API keys, OAuth2 tokens (data plane). Gateways themselves are on moto.
    identityControlRoute,
    identityDataRoute,
    // Gateway resource policies and AgentCore Policy engines and policies (moto has neither).
    agentcorePolicyRoute,
    // CloudTrail LookupEvents over the calls recorded by the front; other CloudTrail calls go to moto.
    lookupEventsRoute,
    seedEventsRoute,
    // CloudTrail Lake StartQuery/GetQueryResults: seeded results, no SQL (moto has no Lake).
    lakeStartQueryRoute,
    lakeGetQueryResultsRoute,
    lakeAdminRoute,
    // Cognito client-secret rotation and a Cognito-style /oauth2/token (rotation engine's).
    cognitoSecretsRoute,
    cognitoOauthRoute,
    // Tags on credential providers (the stand-in's) and user pools (moto has no Cognito tagging),
    // for the rotation tagger; gateway tags stay with moto.
    providerTagsRoute,
    userPoolTagsRoute,
    // IAM policy simulation over the identity policies moto holds (for `gatewarden doctor`).
    simulatePrincipalPolicyRoute,
    // RotateSecret keeps a secret's configured rotation function, as on AWS (moto drops it).
    rotateSecretRoute,
    // PutEvents refuses aws.* sources to callers, as EventBridge does (moto accepts any).
    putEventsSourceRoute,
    // What AWS services put on a bus themselves (aws.* sources), for tests: an admin route.
    serviceEventsRoute,
    // A rule's event-bus target with a role (cross-Region forwarding), decided as that role.
    ruleDeliveryRoute,
    // Deliveries moto makes itself (SNS → queue or function, EventBridge → queue, topic or
    // dead-letter queue): decided as the service principal before moto delivers.
    serviceDeliveryRoute,
    // IAM Access Analyzer ValidatePolicy: a few real checks, for the report's SDK path.
    validatePolicyRoute,
  ].map(modelChecked);
}
