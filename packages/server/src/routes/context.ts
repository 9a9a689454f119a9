import type { Config } from '../config.js';
import type { ZipPlanning } from '../http/zip-planning.js';
import type { AccessService } from '../services/access.service.js';
import type { AppPasswordService } from '../services/app-password.service.js';
import type { ArchiveService } from '../services/archive.service.js';
import type { AuthService } from '../services/auth.service.js';
import type { BatchUploadService } from '../services/batch-upload.service.js';
import type { DeviceSignInService } from '../services/device-sign-in.service.js';
import type { DownloadService } from '../services/download.service.js';
import type { FileService } from '../services/file.service.js';
import type { ItemService } from '../services/item.service.js';
import type { LockService } from '../services/lock.service.js';
import type { MediaService } from '../services/media.service.js';
import type { QuotaService } from '../services/quota.service.js';
import type { RecentService } from '../services/recent.service.js';
import type { SearchService } from '../services/search.service.js';
import type { SettingsService } from '../services/settings.service.js';
import type { ShareService } from '../services/share.service.js';
import type { StarService } from '../services/star.service.js';
import type { TagService } from '../services/tag.service.js';
import type { UploadService } from '../services/upload.service.js';
import type { UserShareService } from '../services/user-share.service.js';
import type { UserService } from '../services/user.service.js';
import type { VersionService } from '../services/version.service.js';
import type { ZipService } from '../services/zip.service.js';

/** What route plugins are given: the services and the few settings HTTP needs. */
export interface RouteContext {
  config: Config;
  auth: AuthService;
  appPasswords: AppPasswordService;
  deviceSignIns: DeviceSignInService;
  users: UserService;
  quota: QuotaService;
  settings: SettingsService;
  items: ItemService;
  /** Who may do what with an item (AccessService), and sharing items with other users. */
  access: AccessService;
  userShares: UserShareService;
  files: FileService;
  versions: VersionService;
  uploads: UploadService;
  batches: BatchUploadService;
  locks: LockService;
  media: MediaService;
  shares: ShareService;
  tags: TagService;
  stars: StarService;
  recent: RecentService;
  search: SearchService;
  zips: ZipService;
  /** Bounds the zip plans made at once (see there why HEAD is not simply answered without one). */
  zipPlanning: ZipPlanning;
  archives: ArchiveService;
  /** Downloads a page follows (`?download=<id>`): their progress, and cancelling them. */
  downloads: DownloadService;
}
