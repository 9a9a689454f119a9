export type FaultKind = 'status500' | 'status502' | 'reset' | 'slow' | 'truncate' | 'surprise429';

export interface FaultSpec {
  kind: FaultKind;
  /** Matched against the whole path (no query); `*` matches any run of characters. */
  path: string;
  /** Only this method (any when absent). */
  method?: string | undefined;
  /** How many matching requests get the fault. */
  count: number;
  /** `slow`: real milliseconds to wait before answering normally. */
  delayMs?: number | undefined;
  /** `surprise429`: the retry_after to announce. */
  retryAfterMs?: number | undefined;
}

export interface FaultRule extends FaultSpec {
  id: number;
  remaining: number;
}

/** Faults the next N matching requests, then the rule is spent. */
export class FaultInjector {
  private rules: (FaultRule & { pattern: RegExp })[] = [];
  private nextId = 1;
  readonly injected: Record<FaultKind, number> = emptyCounts();

  add(spec: FaultSpec): FaultRule {
    const pattern = new RegExp(
      `^${spec.path
        .split('*')
        .map((part) => part.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
        .join('.*')}$`,
    );
    const rule = { ...spec, id: this.nextId++, remaining: spec.count, pattern };
    this.rules.push(rule);
    return this.present(rule);
  }

  list(): FaultRule[] {
    return this.rules.map((rule) => this.present(rule));
  }

  clear(): void {
    this.rules = [];
    Object.assign(this.injected, emptyCounts());
  }

  /** The first live rule matching this request, counted as used. Truncation only applies to the CDN. */
  take(method: string, path: string, isCdn: boolean): FaultRule | undefined {
    const rule = this.rules.find(
      (r) =>
        r.remaining > 0 &&
        (r.method === undefined || r.method.toUpperCase() === method) &&
        (r.kind !== 'truncate' || (isCdn && method === 'GET')) &&
        r.pattern.test(path),
    );
    if (!rule) return undefined;
    rule.remaining -= 1;
    this.injected[rule.kind] += 1;
    if (rule.remaining === 0) this.rules = this.rules.filter((r) => r !== rule);
    return this.present(rule);
  }

  private present(rule: FaultRule & { pattern?: RegExp }): FaultRule {
    const { pattern: _pattern, ...plain } = rule;
    return plain;
  }
}

function emptyCounts(): Record<FaultKind, number> {
  return { status500: 0, status502: 0, reset: 0, slow: 0, truncate: 0, surprise429: 0 };
}
