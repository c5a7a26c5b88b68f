import middy from '@middy/core';

// Placeholder: the owning capability replaces this with the real handler (makeHandler(deps)).
export const handler = middy(async (_event: unknown): Promise<{ ok: false; reason: string }> => {
  return { ok: false, reason: 'rotateNow is not implemented yet' };
});
