import { MemoryAlertSink } from '../../../lib/alerts/alert.js';
import { findingToAlert } from '../../../lib/detection/alerts.js';
import { parseDetectionConfig } from '../../../lib/detection/config.js';
import { thresholdedSinks, withSeverityThreshold } from '../../../lib/detection/noise.js';
import type { Severity } from '../../../lib/detection/types.js';
import { finding } from './deployedFixtures.js';

describe('withSeverityThreshold', () => {
  it.each<[Severity, Severity, boolean]>([
    ['high', 'high', true],
    ['critical', 'high', true],
    ['medium', 'high', false],
    ['info', 'info', true],
  ])(
    'a %s alert on a channel with threshold %s is delivered: %s',
    async (severity, min, delivered) => {
      const sink = new MemoryAlertSink();
      await withSeverityThreshold(sink, min).publish(findingToAlert(finding({ severity })));
      expect(sink.alerts).toHaveLength(delivered ? 1 : 0);
    },
  );
});

describe('thresholdedSinks', () => {
  it('applies each channel its own configured threshold', async () => {
    // Prepare
    const config = parseDetectionConfig({
      channels: { sns: 'medium', eventBridge: 'info', webhook: 'critical' },
    });
    const sns = new MemoryAlertSink();
    const bus = new MemoryAlertSink();
    const chat = new MemoryAlertSink();
    const sinks = thresholdedSinks(config.channels, { sns, eventBridge: bus, webhook: chat });
    // Act
    for (const severity of ['info', 'low', 'medium', 'high', 'critical'] as const) {
      for (const sink of sinks) await sink.publish(findingToAlert(finding({ severity })));
    }
    // Assess
    expect(bus.alerts.map((a) => a.severity)).toEqual([
      'info',
      'low',
      'medium',
      'high',
      'critical',
    ]);
    expect(sns.alerts.map((a) => a.severity)).toEqual(['medium', 'high', 'critical']);
    expect(chat.alerts.map((a) => a.severity)).toEqual(['critical']);
  });

  it('leaves out channels that are not configured', () => {
    const config = parseDetectionConfig({});
    expect(thresholdedSinks(config.channels, { sns: new MemoryAlertSink() })).toHaveLength(1);
  });
});
