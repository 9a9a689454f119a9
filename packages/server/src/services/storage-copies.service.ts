import type { ScrubReport, StorageCopies } from '@idrive/shared';
import type { Repositories } from '../repositories/repositories.js';
import type { StoreRegistry } from '../storage/store-registry.js';
import { SCRUB_JOB } from './maintenance-schedule.js';
import { emptyScrubReport } from './scrub.service.js';

/** Files at risk listed on the admin page. */
const LISTED = 50;

/** The copies setting and what the admin Storage page shows of the copies and the scrubber. */
export class StorageCopiesService {
  constructor(
    private readonly repos: Repositories,
    private readonly stores: StoreRegistry,
    private readonly scrubPeriodMs: number,
  ) {}

  /** Sets how many copies the drive keeps; the scrubber adds or removes copies on its next runs. */
  async setReplicas(replicas: number): Promise<void> {
    await this.repos.drive.setReplicas(replicas);
  }

  async summary(): Promise<StorageCopies> {
    const replicas = await this.repos.drive.replicas();
    const health = await this.repos.copies.health(replicas, LISTED);
    const ids = health.atRisk.map((f) => f.id);
    const paths = await this.repos.search.folderPaths(ids);
    const owners = new Map<string, string>();
    for (const ownerId of new Set(health.atRisk.map((f) => f.owner_id))) {
      owners.set(ownerId, (await this.repos.users.findById(ownerId))?.username ?? ownerId);
    }
    const places = new Set(this.stores.all().flatMap((s) => (s.putApart && s.places ? s.places() : [])));
    return {
      replicas,
      places: places.size,
      objects: health.objects,
      copies: health.copies,
      objectsShort: health.objectsShort,
      objectsLost: health.objectsLost,
      filesSingle: health.filesSingle,
      filesLost: health.filesLost,
      atRisk: health.atRisk.map((f) => ({
        id: f.id,
        owner: owners.get(f.owner_id)!,
        // The chain starts at the owner's root folder, which has no name of its own in a path.
        path: `/${(paths.get(f.id) ?? [])
          .slice(1)
          .map((p) => p.name)
          .join('/')}`,
        goodCopies: f.good,
      })),
      scrub: await this.scrubRuns(),
    };
  }

  /** The last scrub run and the runs of the last week (scheduled runs are kept that long). */
  private async scrubRuns(): Promise<StorageCopies['scrub']> {
    const runs = (await this.repos.scheduledRuns.list(SCRUB_JOB)).filter(
      (run) => run.finished_at !== null && run.report !== null,
    );
    const reports = runs
      .map((run) => ({
        at: Number(run.finished_at),
        report: JSON.parse(run.report!) as Partial<ScrubReport>,
      }))
      // A period skipped while the previous run was under way reports no counts.
      .filter((run) => typeof run.report.checked === 'number');
    const week = emptyScrubReport();
    for (const { report } of reports) {
      for (const key of Object.keys(week) as (keyof ScrubReport)[]) week[key] += report[key] ?? 0;
    }
    const last = reports.at(-1);
    return {
      periodDays: this.scrubPeriodMs / 86_400_000,
      lastRunAt: last ? new Date(last.at).toISOString() : null,
      last: last ? { ...emptyScrubReport(), ...last.report } : null,
      week,
    };
  }
}
