// oidc-provider ships no type declarations; this is the small surface local/oidc.ts uses.
declare module 'oidc-provider' {
  import type { IncomingMessage, ServerResponse } from 'node:http';

  export interface ProviderContext {
    method: string;
    oidc: { client?: { clientId: string } };
  }

  export class Provider {
    constructor(issuer: string, configuration: Record<string, unknown>);
    proxy: boolean;
    callback(): (req: IncomingMessage, res: ServerResponse) => void;
    on(event: string, listener: (...args: unknown[]) => void): this;
    InitialAccessToken: new (init: { policies?: string[]; expiresIn?: number }) => {
      save(): Promise<string>;
    };
  }

  export default Provider;
}
