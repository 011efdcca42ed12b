/**
 * The configured sources, with credentials removed from their URLs, and the
 * commit each was last cut at. What `GET /api/v1/sources` answers.
 */
import { redactUrl } from '../foundation/redact.ts';
import { lastCutCommit } from '../state/versions.ts';
import type { Workspace } from '../workspace/workspace.ts';

export interface SourceView {
  name: string;
  url: string;
  branch: string;
  schedule: string;
  lastCutCommit: string | null;
}

export function sourceViews({ ws }: { ws: Workspace }): SourceView[] {
  return ws.config.sources.map((s) => ({
    name: s.name,
    url: redactUrl(s.url),
    branch: s.branch,
    schedule: s.schedule,
    lastCutCommit: lastCutCommit(ws.db, s.name) ?? null,
  }));
}
