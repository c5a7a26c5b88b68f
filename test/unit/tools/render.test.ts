/**
 * Names in the tool report come from data events anyone who can call a gateway shapes (tool
 * names, JWT subjects and claims): the HTML page shows them as text and the Markdown as cell
 * text, never as markup or table structure.
 */
import { buildToolReport } from '../../../lib/tools/report.js';
import { renderToolsHtml } from '../../../lib/tools/render/html.js';
import { renderToolsMarkdown } from '../../../lib/tools/render/markdown.js';
import { sampleInvokeRecord } from '../../../lib/tools/sampleRecord.js';
import { ToolUsageCollector } from '../../../lib/tools/ToolUsageCollector.js';

const GW = 'arn:aws:bedrock-agentcore:us-east-1:111122223333:gateway/gw-r1';

describe('tool report renderers', () => {
  it('escape hostile tool names and subjects', () => {
    // Prepare
    const collector = new ToolUsageCollector();
    collector.addRecord(
      sampleInvokeRecord({
        gatewayArn: GW,
        tool: 'x___<img src=x onerror=alert(1)>',
        targetId: 'T',
        claims: { sub: 'evil|</td><script>alert(2)</script>\n| fake | row |' },
        time: '2026-12-01T00:00:00Z',
      }),
    );
    const report = buildToolReport(collector, []);
    // Act
    const html = renderToolsHtml(report);
    const md = renderToolsMarkdown(report);
    // Assess
    expect(html).not.toMatch(/<img|<script/);
    expect(html).toContain('&#60;img src=x onerror=alert(1)&#62;');
    expect(md).not.toContain('\n| fake | row |');
    expect(md).toContain('evil\\|');
  });
});
