export * from './limits.js';
export * from './errors.js';
export * from './names.js';
export * from './schemas/common.js';
export * from './schemas/users.js';
export * from './schemas/auth.js';
export * from './schemas/items.js';
export * from './schemas/system.js';
