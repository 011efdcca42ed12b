// moved to lib/foundation/map-limit.ts; kept for lib/release/fanout.ts and lib/loop/channel-watch.ts until they are rewritten
export { mapLimit, settleLimit } from '../foundation/map-limit.ts';
