import { randomUUID } from 'node:crypto';
import {
  mintValue,
  parseBody,
  type VendorReply,
  type VendorRequestInfo,
  VendorServer,
} from './server.js';

/**
 * Local stand-in for Microsoft Entra ID as gatewarden uses it: the v2.0 token endpoint
 * (`/{tenant}/oauth2/v2.0/token`, client_credentials, for the admin app and for testing app
 * secrets) and Microsoft Graph `GET /v1.0/applications/{id}`,
 * `POST /v1.0/applications/{id}/addPassword {passwordCredential}` (returns secretText once) and
 * `POST /v1.0/applications/{id}/removePassword {keyId}` (204; unknown keyId → 400).
 */
export interface GraphPasswordRecord {
  keyId: string;
  displayName: string | null;
  hint: string;
  startDateTime: string;
  endDateTime: string;
  secretText: string;
}

export class EntraStub {
  readonly apps = new Map<string, { appId: string; passwords: GraphPasswordRecord[] }>();
  readonly server: VendorServer;
  private readonly tokens = new Set<string>();

  constructor(
    readonly tenantId: string,
    readonly admin: { clientId: string; clientSecret: string },
  ) {
    this.server = new VendorServer((request) => this.route(request));
  }

  addApp(objectId: string, appId: string, secret = mintValue('entra-initial-')): string {
    this.apps.set(objectId, { appId, passwords: [this.password(secret, null)] });
    return secret;
  }

  private password(secretText: string, displayName: string | null): GraphPasswordRecord {
    const start = new Date();
    const end = new Date(start.getTime() + 2 * 365 * 86_400_000);
    return {
      keyId: randomUUID(),
      displayName,
      hint: secretText.slice(0, 3),
      startDateTime: start.toISOString(),
      endDateTime: end.toISOString(),
      secretText,
    };
  }

  private route(request: VendorRequestInfo): VendorReply {
    if (request.method === 'POST' && request.path === `/${this.tenantId}/oauth2/v2.0/token`)
      return this.token(request);
    const auth = request.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !this.tokens.has(auth.slice(7))) {
      return {
        status: 401,
        json: { error: { code: 'InvalidAuthenticationToken', message: 'Access token is empty.' } },
      };
    }
    const match = /^\/v1\.0\/applications\/([^/]+)(\/addPassword|\/removePassword)?$/.exec(
      request.path,
    );
    const app = match?.[1] ? this.apps.get(decodeURIComponent(match[1])) : undefined;
    if (!match || !app)
      return {
        status: 404,
        json: { error: { code: 'Request_ResourceNotFound', message: 'not found' } },
      };
    if (!match[2] && request.method === 'GET') {
      return {
        status: 200,
        json: {
          id: match[1],
          appId: app.appId,
          passwordCredentials: app.passwords.map((p) => ({ ...p, secretText: null })),
        },
      };
    }
    const body = parseBody(request);
    if (match[2] === '/addPassword' && request.method === 'POST') {
      const input = (body.passwordCredential ?? {}) as { displayName?: string };
      const created = this.password(mintValue('entra-minted-'), input.displayName ?? null);
      app.passwords.push(created);
      return { status: 200, json: created };
    }
    if (match[2] === '/removePassword' && request.method === 'POST') {
      const index = app.passwords.findIndex((p) => p.keyId === body.keyId);
      if (index < 0) {
        return {
          status: 400,
          json: {
            error: {
              code: 'Request_BadRequest',
              message: 'No password credential found with keyId',
            },
          },
        };
      }
      app.passwords.splice(index, 1);
      return { status: 204 };
    }
    return { status: 405, json: { error: { code: 'Request_BadRequest' } } };
  }

  private token(request: VendorRequestInfo): VendorReply {
    const body = parseBody(request);
    const isAdmin =
      body.client_id === this.admin.clientId && body.client_secret === this.admin.clientSecret;
    const app = [...this.apps.values()].find((a) => a.appId === body.client_id);
    const isApp = app?.passwords.some((p) => p.secretText === body.client_secret) ?? false;
    if (!isAdmin && !isApp)
      return { status: 401, json: { error: 'invalid_client', error_codes: [7000215] } };
    const token = `entra-token-${randomUUID()}`;
    if (isAdmin) this.tokens.add(token);
    return { status: 200, json: { access_token: token, token_type: 'Bearer', expires_in: 3599 } };
  }
}
