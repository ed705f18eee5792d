// The secret scanner itself can fail: a secret inside an encoded payload (a Buffer, a plain
// Uint8Array, or a proto History message as the client returns it) is found; a clean one passes.
import proto from '@temporalio/proto';
import Long from 'long';
import { describe, expect, it } from 'vitest';
import { expectNoSecrets, historyText } from './secrets.js';

const payload = (data: Uint8Array) => ({ metadata: { encoding: Buffer.from('json/plain') }, data });
const history = (data: Uint8Array) => ({
  events: [{ eventId: Long.fromNumber(7), activityTaskCompletedEventAttributes: { result: { payloads: [payload(data)] } } }],
});

describe('expectNoSecrets', () => {
  it('finds a secret in a Buffer or Uint8Array payload and names the event, not the secret', () => {
    const json = JSON.stringify({ status: 'ok', key: 'sekrit-admin-key-123' });
    const plain = [Buffer.from(json), new Uint8Array(Buffer.from(json))].map(history);
    // What fetchHistory() returns: proto messages, whose toJSON would base64 the payloads.
    const message_ = proto.temporal.api.history.v1.History.fromObject(history(Buffer.from(json)));
    for (const h of [...plain, message_]) {
      expect(historyText(h)).toContain('sekrit-admin-key-123');
      let message = '';
      try {
        expectNoSecrets(h, { 'admin key': 'sekrit-admin-key-123' });
      } catch (e) {
        message = (e as Error).message;
      }
      expect(message).toMatch(/admin key in event 7 \(activityTaskCompletedEventAttributes\)/);
      expect(message).not.toContain('sekrit-admin-key-123');
    }
  });

  it('passes a history without the secret', () => {
    expect(() => expectNoSecrets(history(Buffer.from('{"status":"ok"}')), { 'admin key': 'sekrit-admin-key-123' })).not.toThrow();
  });
});
