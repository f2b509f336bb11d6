import type { Channel } from 'node:diagnostics_channel';
import { nodeDiagnosticsChannel } from '../core/nodeBuiltins.js';

let channel: Channel | undefined;

/**
 * The channel every undici request is announced on, whichever copy of undici sends it:
 * the one OpenTelemetry's and Sentry's undici instrumentations subscribe to.
 */
export function undiciRequestChannel(): Channel {
  channel ??= nodeDiagnosticsChannel().channel('undici:request:create');
  return channel;
}
