/**
 * The type of the daemon's Hono app: the Node bindings (@hono/node-server's
 * `incoming` request, for the peer address) and what a request carries
 * between its middleware and the one error handler: the dashboard reader's
 * page context, and the title an HTML error page should have.
 *
 * @example
 *   const app = new Hono<AppEnv>({ strict: false });
 *   app.get('/ui/drift', (c) => c.get('page') ...);
 */
import type { HttpBindings } from '@hono/node-server';
import type { PageContext } from './dashboard/views/layout.ts';

export interface AppEnv {
  Bindings: HttpBindings;
  Variables: {
    /** The dashboard reader's page context, once access let them look. */
    page?: PageContext;
    /** What an HTML error page is titled (a dashboard action names itself: "promote refused"). */
    errorTitle?: string;
  };
}
