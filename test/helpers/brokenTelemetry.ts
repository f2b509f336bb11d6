import type { ExportResult } from '@opentelemetry/core';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import Transport from 'winston-transport';

/** A winston transport whose every write throws (a full disk, a closed pipe). */
export class ThrowingTransport extends Transport {
  override log(): void {
    throw new Error('disk full');
  }
}

/** A winston transport that never calls back: back-pressure forever. */
export class StuckTransport extends Transport {
  override log(): void {}
}

/** A winston transport that accepts lines and drops them. */
export class DiscardTransport extends Transport {
  override log(_info: unknown, next: () => void): void {
    next();
  }
}

/** A span exporter that throws on every export. */
export class ThrowingExporter implements SpanExporter {
  export(_spans: ReadableSpan[], _done: (result: ExportResult) => void): void {
    throw new Error('collector unreachable');
  }
  async shutdown(): Promise<void> {}
}
