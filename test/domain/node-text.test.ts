// Capping and escaping of node-supplied text (a hostile node must not bloat history or inject
// markup into the Web UI): pure functions, no servers.
import { describe, expect, it } from 'vitest';
import { capNodeText, capNullable, escapeMarkdown, MAX_NODE_TEXT } from '../../src/domain/node-text.js';

describe('capNodeText', () => {
  it('keeps short values as they are', () => {
    expect(capNodeText('nebius-backbone-1')).toBe('nebius-backbone-1');
    expect(capNullable(null)).toBeNull();
  });

  it('cuts long values to MAX_NODE_TEXT characters and says how much was cut', () => {
    const capped = capNodeText('a'.repeat(1_000_000));
    expect(capped).toBe(`${'a'.repeat(MAX_NODE_TEXT)}…[${1_000_000 - MAX_NODE_TEXT} more chars]`);
  });

  it('replaces control characters, so a value cannot start a new line', () => {
    expect(capNodeText('leader\n# injected\r\u0000x')).toBe('leader\uFFFD# injected\uFFFD\uFFFDx');
  });
});

describe('escapeMarkdown', () => {
  it('makes HTML and markdown syntax inert, line breaks become spaces', () => {
    expect(escapeMarkdown('<img src=x onerror=alert(1)> & **b** _i_ `c` [l](u) |t| ~s~ #h\n- item')).toBe(
      '&lt;img src=x onerror=alert(1)&gt; &amp; \\*\\*b\\*\\* \\_i\\_ \\`c\\` \\[l\\](u) \\|t\\| \\~s\\~ \\#h - item',
    );
  });

  it('leaves plain node names and sentences readable', () => {
    expect(escapeMarkdown('restart p2p on runpod-h100-2: done')).toBe('restart p2p on runpod-h100-2: done');
  });
});
