import { nextCommands } from '../../../scripts/demo/run.js';

describe('npm run demo -- --keep: what to try next', () => {
  it('names the kept gateway and secret, and commands that exist', () => {
    const lines = nextCommands(
      'gw-demo-1',
      [
        {
          label: 'API key',
          secretArn:
            'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/gw-demo-1/apikey/weather-AbC123',
        },
        {
          label: 'OAuth',
          secretArn:
            'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/gw-demo-1/oauth/x-Zz9yX8',
        },
        {
          label: 'inbound',
          secretArn:
            'arn:aws:secretsmanager:us-east-1:123456789012:secret:gatewarden/gw-demo-1/inbound/agents-Qq1Ww2',
        },
      ],
      'out/demo',
    );
    expect(lines).toHaveLength(5);
    expect(lines.join('\n')).toContain(
      'rotate --secret gatewarden/gw-demo-1/inbound/agents --wait',
    );
    expect(lines.join('\n')).toContain('doctor --gateway gw-demo-1');
    expect(lines.join('\n')).toContain('detect out/demo/cloudtrail.json');
    for (const line of lines)
      expect(line).toMatch(/^(eval "\$\()?npx gatewarden (local|doctor|rotate|detect)\b/);
  });
});
