import { randomUUID } from 'node:crypto';
import {
  mintValue,
  parseBody,
  type VendorReply,
  type VendorRequestInfo,
  VendorServer,
} from './server.js';

/**
 * Local stand-in for the Auth0 Authentication API token endpoint (`POST /oauth/token`,
 * client_credentials) and the Management API `GET /api/v2/clients/{id}` and
 * `POST /api/v2/clients/{id}/rotate-secret` (the old secret stops working at once).
 */
export class Auth0Stub {
  readonly clients = new Map<string, { secret: string }>();
  readonly server: VendorServer;
  private readonly tokens = new Set<string>();

  constructor(readonly admin: { clientId: string; clientSecret: string }) {
    this.server = new VendorServer((request) => this.route(request));
    this.clients.set(admin.clientId, { secret: admin.clientSecret });
  }

  addClient(clientId: string, secret = mintValue('auth0-initial-')): string {
    this.clients.set(clientId, { secret });
    return secret;
  }

  private route(request: VendorRequestInfo): VendorReply {
    if (request.method === 'POST' && request.path === '/oauth/token') return this.token(request);
    const auth = request.headers.authorization ?? '';
    if (!auth.startsWith('Bearer ') || !this.tokens.has(auth.slice(7))) {
      return {
        status: 401,
        json: {
          statusCode: 401,
          error: 'Unauthorized',
          message: 'Missing authentication',
          errorCode: 'invalid_token',
        },
      };
    }
    const match = /^\/api\/v2\/clients\/([^/]+)(\/rotate-secret)?$/.exec(request.path);
    const id = match?.[1] ? decodeURIComponent(match[1]) : '';
    const client = this.clients.get(id);
    if (!match || !client)
      return {
        status: 404,
        json: { statusCode: 404, error: 'Not Found', errorCode: 'inexistent_client' },
      };
    if (match[2] && request.method === 'POST') {
      client.secret = mintValue('auth0-minted-');
      return { status: 200, json: { client_id: id, name: 'app', client_secret: client.secret } };
    }
    if (!match[2] && request.method === 'GET')
      return { status: 200, json: { client_id: id, client_secret: client.secret } };
    return { status: 405, json: { errorCode: 'method_not_allowed' } };
  }

  private token(request: VendorRequestInfo): VendorReply {
    const body = parseBody(request);
    const client = this.clients.get(String(body.client_id));
    if (!client || client.secret !== body.client_secret) {
      return { status: 401, json: { error: 'access_denied', error_description: 'Unauthorized' } };
    }
    const token = `auth0-token-${randomUUID()}`;
    if (body.client_id === this.admin.clientId) this.tokens.add(token);
    return { status: 200, json: { access_token: token, token_type: 'Bearer', expires_in: 86400 } };
  }
}
