import { randomUUID } from 'node:crypto';
import {
  mintValue,
  parseBody,
  type VendorReply,
  type VendorRequestInfo,
  VendorServer,
} from './server.js';

/**
 * Local stand-in for the Okta Apps API client-secret endpoints, as documented:
 * GET/POST /api/v1/apps/{appId}/credentials/secrets, POST …/{secretId}/lifecycle/deactivate
 * and …/activate, DELETE …/{secretId} (only INACTIVE), at most 2 secrets per app, SSWS auth.
 * Plus the org token endpoint /oauth2/v1/token (client_credentials) so tests can prove which
 * secrets work.
 */
export interface OktaSecretRecord {
  id: string;
  status: 'ACTIVE' | 'INACTIVE';
  client_secret: string;
  secret_hash: string;
  created: string;
  lastUpdated: string;
}

export class OktaStub {
  readonly apps = new Map<string, OktaSecretRecord[]>();
  readonly server: VendorServer;

  constructor(readonly apiToken: string) {
    this.server = new VendorServer((request) => this.route(request));
  }

  addApp(appId: string, secret = mintValue('okta-initial-')): string {
    this.apps.set(appId, [this.record(secret)]);
    return secret;
  }

  private record(secret: string): OktaSecretRecord {
    const now = new Date().toISOString();
    return {
      id: `ocs${randomUUID().replace(/-/g, '').slice(0, 17)}`,
      status: 'ACTIVE',
      client_secret: secret,
      secret_hash: 'h',
      created: now,
      lastUpdated: now,
    };
  }

  private route(request: VendorRequestInfo): VendorReply {
    if (request.method === 'POST' && request.path === '/oauth2/v1/token')
      return this.token(request);
    if (request.headers.authorization !== `SSWS ${this.apiToken}`) {
      return {
        status: 401,
        json: { errorCode: 'E0000011', errorSummary: 'Invalid token provided' },
      };
    }
    const match =
      /^\/api\/v1\/apps\/([^/]+)\/credentials\/secrets(?:\/([^/]+))?(\/lifecycle\/(activate|deactivate))?$/.exec(
        request.path,
      );
    const secrets = match?.[1] ? this.apps.get(decodeURIComponent(match[1])) : undefined;
    if (!match || !secrets)
      return { status: 404, json: { errorCode: 'E0000007', errorSummary: 'Not found' } };
    const secretId = match[2] ? decodeURIComponent(match[2]) : undefined;
    const found = secretId ? secrets.find((s) => s.id === secretId) : undefined;
    if (!secretId) {
      if (request.method === 'GET') return { status: 200, json: secrets };
      if (request.method === 'POST') {
        if (secrets.length >= 2) {
          return {
            status: 400,
            json: {
              errorCode: 'E0000001',
              errorSummary: 'Api validation failed: You can only have 2 client secrets',
            },
          };
        }
        const body = parseBody(request);
        const created = this.record(
          typeof body.client_secret === 'string' ? body.client_secret : mintValue('okta-minted-'),
        );
        secrets.push(created);
        return { status: 201, json: created };
      }
    }
    if (!found) return { status: 404, json: { errorCode: 'E0000007', errorSummary: 'Not found' } };
    if (match[4] && request.method === 'POST') {
      const active = match[4] === 'activate';
      if (
        !active &&
        secrets.filter((s) => s.status === 'ACTIVE').length === 1 &&
        found.status === 'ACTIVE'
      ) {
        return {
          status: 400,
          json: { errorCode: 'E0000001', errorSummary: 'Cannot deactivate the last active secret' },
        };
      }
      found.status = active ? 'ACTIVE' : 'INACTIVE';
      return { status: 200, json: found };
    }
    if (request.method === 'DELETE') {
      if (found.status === 'ACTIVE') {
        return {
          status: 400,
          json: { errorCode: 'E0000001', errorSummary: 'Cannot delete an active secret' },
        };
      }
      secrets.splice(secrets.indexOf(found), 1);
      return { status: 204 };
    }
    if (request.method === 'GET') return { status: 200, json: found };
    return { status: 405, json: { errorCode: 'E0000022' } };
  }

  private token(request: VendorRequestInfo): VendorReply {
    const body = parseBody(request);
    const secrets = this.apps.get(String(body.client_id));
    const ok = secrets?.some(
      (s) => s.status === 'ACTIVE' && s.client_secret === body.client_secret,
    );
    return ok
      ? {
          status: 200,
          json: { access_token: 'okta-access-token', token_type: 'Bearer', expires_in: 3600 },
        }
      : { status: 401, json: { error: 'invalid_client' } };
  }
}
