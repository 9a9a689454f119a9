import type { FastifyReply, FastifyRequest } from 'fastify';
import { downloadId, errorEnvelope, type DownloadKind } from '@idrive/shared';
import { AppError } from '../lib/app-error.js';
import type {
  DownloadError,
  DownloadOwner,
  DownloadService,
  TrackedDownload,
} from '../services/download.service.js';

/** The browser retries a download cut short at the same address; a cancelled one must stay stopped. */
const cancelledDownload = () =>
  new AppError(410, 'gone', 'This download was cancelled; start it again to download it');

/**
 * The HTTP side of downloads a page follows (`?download=<id>` on a GET of one route kind): the
 * handler begins following once it runs, and the route's `onSend` hook ends what went out through
 * Fastify rather than piece by piece: an empty body as done, an error as failed, with what the
 * browser was told. A request refused before its handler ran (inside a closed locked folder) is
 * reported as failed too, so the page is not left waiting; one refused without a signed-in user,
 * or with a malformed id, is nobody's to report to.
 */
export class FollowedDownloads {
  /** What `begin` made of a request: null when it refused it as cancelled. */
  private readonly begun = new WeakMap<FastifyRequest, TrackedDownload | null>();

  constructor(
    private readonly downloads: DownloadService,
    private readonly kind: DownloadKind,
  ) {}

  /** The download this request is followed as, or undefined when the page did not ask. */
  async begin(request: FastifyRequest): Promise<TrackedDownload | undefined> {
    const asked = askedFor(request);
    if (!asked) return undefined;
    const download = await this.downloads.begin(asked.owner, asked.id, this.kind);
    this.begun.set(request, download);
    if (!download) throw cancelledDownload();
    return download;
  }

  readonly onSend = async (request: FastifyRequest, reply: FastifyReply, payload: unknown) => {
    const begun = this.begun.get(request);
    if (begun === null) return payload;
    const failed = reply.statusCode >= 400;
    if (begun) {
      if (failed) begun.ended('failed', errorIn(payload));
      else begun.ended('whole');
      return payload;
    }
    const asked = askedFor(request);
    if (asked && failed) this.downloads.refused(asked.owner, asked.id, this.kind, errorIn(payload));
    return payload;
  };
}

function askedFor(request: FastifyRequest): { owner: DownloadOwner; id: string } | null {
  const auth = request.auth;
  const id = downloadId.safeParse((request.query as { download?: unknown } | undefined)?.download);
  if (request.method !== 'GET' || !auth || !id.success) return null;
  return { owner: { userId: auth.user.id, sessionId: auth.session.id }, id: id.data };
}

/** The error an answer's body carries (every error goes out in the one envelope). */
function errorIn(payload: unknown): DownloadError {
  try {
    const parsed = errorEnvelope.safeParse(JSON.parse(String(payload)));
    if (parsed.success) return { code: parsed.data.error.code, message: parsed.data.error.message };
  } catch {
    // Not JSON: fall through.
  }
  return { code: 'internal', message: 'The download failed' };
}
