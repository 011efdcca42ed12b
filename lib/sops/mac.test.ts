import { describe, expect, it } from 'vitest';
import { goFloatString, leafBytes, macAdditionalData, startMac } from './mac.ts';

describe('goFloatString is strconv.FormatFloat(v, "f", -1, 64)', () => {
  it.each([
    [0, '0'],
    [-0, '-0'],
    [1, '1'],
    [-12, '-12'],
    [0.25, '0.25'],
    [1.5, '1.5'],
    [3.14159, '3.14159'],
    [1e21, '1000000000000000000000'],
    [1.5e22, '15000000000000000000000'],
    [-2.5e21, '-2500000000000000000000'],
    [1e-7, '0.0000001'],
    [1.25e-9, '0.00000000125'],
    [0.000001, '0.000001'],
    [123456789012345680000, '123456789012345680000'],
    [Number.NaN, 'NaN'],
    [Number.POSITIVE_INFINITY, '+Inf'],
    [Number.NEGATIVE_INFINITY, '-Inf'],
  ])('%s -> %s', (n, want) => {
    expect(goFloatString(n)).toBe(want);
  });
});

describe('leafBytes is sops.ToBytes', () => {
  it.each([
    ['hé', 'hé'],
    [42, '42'],
    [true, 'True'],
    [false, 'False'],
    [10n ** 20n, '100000000000000000000'],
    [new Date('2024-01-01T00:00:00Z'), '2024-01-01T00:00:00Z'],
    [new Date('2024-01-01T00:00:00.5Z'), '2024-01-01T00:00:00.5Z'],
  ])('%s -> %s', (v, want) => {
    expect(leafBytes(v)?.toString('utf8')).toBe(want);
  });
  it('skips null', () => {
    expect(leafBytes(null)).toBeUndefined();
  });
});

describe('macAdditionalData is time.Parse(RFC3339) then Format(RFC3339)', () => {
  it.each([
    ['2024-05-01T10:00:00Z', '2024-05-01T10:00:00Z'],
    ['2024-05-01T10:00:00.123456Z', '2024-05-01T10:00:00Z'],
    ['2024-05-01T10:00:00+00:00', '2024-05-01T10:00:00Z'],
    ['2024-05-01T12:00:00+02:00', '2024-05-01T12:00:00+02:00'],
  ])('%s -> %s', (s, want) => {
    expect(macAdditionalData(s)).toBe(want);
  });
});

describe('startMac', () => {
  it('prefixes sha256("sops") when only encrypted values count', () => {
    const plain = startMac(false).update('x').digest('hex');
    const only = startMac(true).update('x').digest('hex');
    expect(only).not.toBe(plain);
  });
});
