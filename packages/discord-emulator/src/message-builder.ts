import { emptyMessage, entityTooLarge, invalidFormBody, maxAttachments } from './discord-error.js';
import type { EmulatorContext } from './emulator-context.js';
import type { Attachment, Channel, Message, MessageAuthor } from './emulator-state.js';
import { attachmentContentType, cleanFilename } from './filenames.js';
import type { ParsedBody, UploadedFile } from './request-body.js';

interface AttachmentRequest {
  id: string;
  filename?: string;
  description?: string;
}

/** `payload.attachments`, checked: an array of objects whose `id` is a number or a snowflake. */
function attachmentRequests(payload: Record<string, unknown>): AttachmentRequest[] | undefined {
  const list = payload.attachments;
  if (list === undefined || list === null) return undefined;
  if (!Array.isArray(list)) {
    throw invalidFormBody('attachments', 'BASE_TYPE_ARRAY', 'Must be an array.');
  }
  return list.map((entry: unknown, i) => {
    const item = entry as Record<string, unknown> | null;
    const id = item?.id;
    if (typeof item !== 'object' || item === null || (typeof id !== 'string' && typeof id !== 'number')) {
      throw invalidFormBody(`attachments.${i}.id`, 'BASE_TYPE_REQUIRED', 'This field is required');
    }
    const filename = typeof item.filename === 'string' ? item.filename : undefined;
    if (filename !== undefined && (filename.length < 1 || filename.length > 1024)) {
      throw invalidFormBody(
        `attachments.${i}.filename`,
        'BASE_TYPE_BAD_LENGTH',
        'Must be between 1 and 1024 in length.',
      );
    }
    return {
      id: String(id),
      ...(filename !== undefined ? { filename } : {}),
      ...(typeof item.description === 'string' ? { description: item.description } : {}),
    };
  });
}

function checkFiles(ctx: EmulatorContext, files: UploadedFile[], alreadyKept: number): void {
  if (files.length + alreadyKept > ctx.limits.maxAttachmentsPerMessage) {
    throw maxAttachments(ctx.limits.maxAttachmentsPerMessage);
  }
  // Since 3 Apr 2025 the limit is per attachment, not on the message total [doc].
  if (files.some((f) => f.data.length > ctx.limits.maxFileBytes)) throw entityTooLarge();
}

/** New attachments from `files[n]`, each matched to the `attachments[]` entry whose id is `n`. */
function newAttachments(
  ctx: EmulatorContext,
  files: UploadedFile[],
  requests: AttachmentRequest[] | undefined,
  channelId: string,
  messageId: string,
): Attachment[] {
  return [...files]
    .sort((a, b) => a.index - b.index)
    .map((file) => {
      const request = requests?.find((r) => r.id === String(file.index));
      const { filename, title } = cleanFilename(request?.filename ?? file.filename);
      return {
        id: ctx.state.newId(),
        channelId,
        messageId,
        filename,
        ...(title !== undefined ? { title } : {}),
        ...(request?.description !== undefined ? { description: request.description } : {}),
        contentType: attachmentContentType(filename, file.contentType),
        size: file.data.length,
        data: file.data,
      };
    });
}

interface MessageFields {
  content?: string;
  tts?: boolean;
  flags?: number;
  embeds?: unknown[];
  components?: unknown[];
}

function messageFields(ctx: EmulatorContext, payload: Record<string, unknown>): MessageFields {
  const fields: MessageFields = {};
  const { content, tts, flags, embeds, components } = payload;
  if (content !== undefined && content !== null) {
    if (typeof content !== 'string' && typeof content !== 'number') {
      throw invalidFormBody('content', 'BASE_TYPE_STRING', 'Could not interpret value as string.');
    }
    fields.content = String(content);
    if (fields.content.length > ctx.limits.maxContentLength) {
      throw invalidFormBody(
        'content',
        'BASE_TYPE_MAX_LENGTH',
        `Must be ${ctx.limits.maxContentLength} or fewer in length.`,
      );
    }
  }
  if (tts !== undefined) fields.tts = tts === true || tts === 'true' || tts === 'True' || tts === '1';
  if (flags !== undefined && flags !== null) fields.flags = Number(flags) || 0;
  for (const [name, value] of [
    ['embeds', embeds],
    ['components', components],
  ] as const) {
    if (value === undefined || value === null) continue;
    if (!Array.isArray(value)) throw invalidFormBody(name, 'BASE_TYPE_ARRAY', 'Must be an array.');
    if (value.length > 10)
      throw invalidFormBody(name, 'BASE_TYPE_MAX_LENGTH', 'Must be 10 or fewer in length.');
    fields[name] = value;
  }
  return fields;
}

/** Builds (but does not store) a new message from a create or execute request. */
export function buildMessage(
  ctx: EmulatorContext,
  channel: Channel,
  author: MessageAuthor,
  parsed: ParsedBody,
): Message {
  const fields = messageFields(ctx, parsed.payload);
  const requests = attachmentRequests(parsed.payload);
  checkFiles(ctx, parsed.files, 0);
  const hasPoll = parsed.payload.poll !== undefined && parsed.payload.poll !== null;
  if (
    !fields.content &&
    !fields.embeds?.length &&
    !fields.components?.length &&
    parsed.files.length === 0 &&
    !hasPoll
  ) {
    throw emptyMessage();
  }
  // Uploads get their ids first, as on Discord, where the files exist before the message does.
  const placeholder = '';
  const attachments = newAttachments(ctx, parsed.files, requests, channel.id, placeholder);
  const id = ctx.state.newId();
  for (const a of attachments) a.messageId = id;
  return {
    id,
    channelId: channel.id,
    guildId: channel.guildId,
    author,
    content: fields.content ?? '',
    timestampMs: ctx.clock.now(),
    editedTimestampMs: null,
    tts: fields.tts ?? false,
    flags: fields.flags ?? 0,
    embeds: fields.embeds ?? [],
    components: fields.components ?? [],
    attachments,
  };
}

/**
 * Applies an edit in place. New files are appended; when `attachments` is given, it is the v10
 * keep-list: existing attachments not named in it are removed [doc].
 */
export function applyEdit(ctx: EmulatorContext, message: Message, parsed: ParsedBody): void {
  const payload = parsed.payload;
  const fields = messageFields(ctx, payload);
  const requests = attachmentRequests(payload);
  let kept = message.attachments;
  if (requests !== undefined) {
    kept = message.attachments.filter((a) => requests.some((r) => r.id === a.id));
    for (const a of kept) {
      const description = requests.find((r) => r.id === a.id)?.description;
      if (description !== undefined) a.description = description;
    }
  }
  checkFiles(ctx, parsed.files, kept.length);
  const added = newAttachments(ctx, parsed.files, requests, message.channelId, message.id);
  const content = 'content' in payload ? (fields.content ?? '') : message.content;
  const embeds = 'embeds' in payload ? (fields.embeds ?? []) : message.embeds;
  const components = 'components' in payload ? (fields.components ?? []) : message.components;
  if (!content && embeds.length === 0 && components.length === 0 && kept.length + added.length === 0) {
    throw emptyMessage();
  }
  for (const a of message.attachments) if (!kept.includes(a)) ctx.state.removeAttachment(a);
  for (const a of added) ctx.state.addAttachment(a);
  message.attachments = [...kept, ...added];
  message.content = content;
  message.embeds = embeds;
  message.components = components;
  if (fields.flags !== undefined) message.flags = fields.flags;
  message.editedTimestampMs = ctx.clock.now();
}
