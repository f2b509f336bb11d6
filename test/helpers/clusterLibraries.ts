import { Cluster } from 'ioredis';
import { createCluster } from 'redis';
import type { SharedStateOptions } from '../../src/index.js';
import type { RedisCluster } from '../../fixtures/redisCluster.js';

/** A cluster client of one library the app may give, and how to let it go. */
export interface ClusterLibrary {
  readonly name: string;
  connect(cluster: RedisCluster): Promise<{ client: NonNullable<SharedStateOptions['redis']>; close(): Promise<void> }>;
}

/** The cluster clients faultline recognises: ioredis's `Cluster` and node-redis's `createCluster()`. */
export const CLUSTER_LIBRARIES: readonly ClusterLibrary[] = [
  {
    name: 'ioredis Cluster',
    async connect(cluster) {
      const client = new Cluster([...cluster.seeds]);
      client.on('error', () => undefined);
      return { client, close: async () => void client.disconnect() };
    },
  },
  {
    name: 'node-redis createCluster()',
    async connect(cluster) {
      const client = createCluster({
        rootNodes: cluster.seeds.map(({ port }) => ({ url: `redis://127.0.0.1:${port}` })),
      });
      client.on('error', () => undefined);
      await client.connect();
      return { client, close: async () => client.destroy() };
    },
  },
];
