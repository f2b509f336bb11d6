import type { FastifyPluginCallback, FastifyPluginOptions } from 'fastify';

/**
 * Marks a plugin as fastify-plugin does, without depending on it: its hooks and error
 * handler apply to the app that registers it, not to an encapsulated child context.
 */
export function rootPlugin<Options extends FastifyPluginOptions>(
  name: string,
  plugin: FastifyPluginCallback<Options>,
): FastifyPluginCallback<Options> {
  Object.defineProperty(plugin, Symbol.for('skip-override'), { value: true });
  Object.defineProperty(plugin, Symbol.for('fastify.display-name'), { value: name });
  return plugin;
}
