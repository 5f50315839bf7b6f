/** Disk buffering of filters and outputs (spec/transport.md §10). */
export { DiskQueue, queueDir, queueDirName, type DiskQueueOptions } from './disk-queue.js';
export { CheckpointFile, parseCheckpoint, readCheckpoint, type Cursor } from './checkpoint.js';
export {
  MessageBuffer,
  checkBufferSettings,
  maxRecordSize,
  type BufferHooks,
  type BufferSettings,
  type FullAction,
} from './message-buffer.js';
