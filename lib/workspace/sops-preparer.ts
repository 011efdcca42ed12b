// moved to lib/release/sops-preparer.ts; kept for lib/verbs/deploy.ts until it is rewritten
export { sopsPreparer } from '../release/sops-preparer.ts';
