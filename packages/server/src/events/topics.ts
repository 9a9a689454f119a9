/**
 * Topics events are published to. Every event of a user's items goes to the user's topic and to the
 * topic of each folder above the item, so whoever may see a folder's subtree (a share link's visitor)
 * can subscribe to that one folder.
 */
export const userTopic = (userId: string) => `user:${userId}`;
export const folderTopic = (folderId: string) => `folder:${folderId}`;
/** What concerns one session's sockets alone (the downloads it follows). */
export const sessionTopic = (sessionId: string) => `session:${sessionId}`;
/** Instance-wide news for accounts with the admin permission (storage health). */
export const ADMINS_TOPIC = 'admins';
