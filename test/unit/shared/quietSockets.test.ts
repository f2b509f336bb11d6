// A TLS socket can fail twice (a refused certificate, then the peer's alert); ioredis hears
// only the first 'error' (a once listener), so the second would be an uncaught exception in
// the app's process. Seen once in the TLS suite under load ("tlsv1 alert decode error …
// generated asynchronous activity after the test ended … uncaughtException").
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { describe, it } from 'node:test';
import { Redis } from 'ioredis';
import { quietSockets } from '../../../src/shared/connectRedis.js';

describe('the sockets of a connection faultline makes', () => {
  it('a second error on a socket ioredis set is heard, not thrown', () => {
    const client = new Redis({ lazyConnect: true, enableOfflineQueue: false });
    client.on('error', () => undefined);
    quietSockets(client as never);
    const socket = new EventEmitter();
    // What ioredis does when its connector hands it the socket.
    (client as unknown as { stream: EventEmitter }).stream = socket;
    socket.once('error', () => undefined);
    socket.emit('error', new Error('self-signed certificate in certificate chain'));
    assert.doesNotThrow(() => socket.emit('error', new Error('tlsv1 alert decode error')));
    assert.equal((client as unknown as { stream: EventEmitter }).stream, socket, 'ioredis still reads its socket');
    client.disconnect();
  });

  it('without it, that second error would be thrown', () => {
    const socket = new EventEmitter();
    socket.once('error', () => undefined);
    socket.emit('error', new Error('first'));
    assert.throws(() => socket.emit('error', new Error('second')), /second/);
  });
});
