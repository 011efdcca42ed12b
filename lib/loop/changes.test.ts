import { describe, expect, it } from 'vitest';
import { type ChangeNote, createChangeFeed } from './changes.ts';

describe('createChangeFeed', () => {
  it('delivers each change to every listener until it unsubscribes', () => {
    const feed = createChangeFeed();
    const a: ChangeNote[] = [];
    const b: ChangeNote[] = [];
    const offA = feed.subscribe((c) => a.push(c));
    feed.subscribe((c) => b.push(c));
    feed.emit({ bundle: 'web', kind: 'version' });
    offA();
    feed.emit({ bundle: 'api', kind: 'release' });
    expect(a).toEqual([{ bundle: 'web', kind: 'version' }]);
    expect(b.map((c) => c.bundle)).toEqual(['web', 'api']);
    expect(feed.listeners()).toBe(1);
  });

  it('keeps delivering when one listener throws', () => {
    const feed = createChangeFeed();
    const seen: string[] = [];
    feed.subscribe(() => {
      throw new Error('socket closed');
    });
    feed.subscribe((c) => seen.push(c.bundle));
    expect(() => feed.emit({ bundle: 'web', kind: 'drift' })).not.toThrow();
    expect(seen).toEqual(['web']);
  });
});
