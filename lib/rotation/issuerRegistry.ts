import { RotationError } from './errors.js';
import type { Issuer } from './issuer.js';
import type { IssuerRegistry } from './ports.js';
import type { IssuerType } from './secretDocument.js';

/** A fixed set of issuer adapters, one per issuer type. */
export class MapIssuerRegistry implements IssuerRegistry {
  private readonly byType = new Map<IssuerType, Issuer>();

  constructor(issuers: readonly Issuer[]) {
    for (const issuer of issuers) this.byType.set(issuer.type, issuer);
  }

  get(type: IssuerType): Issuer {
    const issuer = this.byType.get(type);
    if (!issuer)
      throw new RotationError('no issuer adapter for this issuer type', {
        context: { issuer: type },
      });
    return issuer;
  }
}
