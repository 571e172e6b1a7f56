// Parley's TypeScript SDK. Three layers: the network (Link: a WebSocket or
// long-polling connection kept up with backoff), the data link (per
// conversation pools with virtual seqs, the ordered outbox, seq trackers)
// and the application (Client and its RxJS observables).

export { Client, type StatusChange, type Typing, type Receipt } from './client.js';
export type { ClientOptions } from './options.js';
export { draftyFile, attachmentsOf, type FileInput, type SendFileOptions } from './files.js';
export type { ConversationSummary } from './conversation.js';
export type { Member } from './topicmeta.js';
export { Message, compareKeys, type Status, type Policy, type Key, type Content } from './message.js';
export { Pool, type InsertResult } from './pool.js';
export { Outbox, type OutboxItem, type OutboxOptions } from './outbox.js';
export { SeqTracker } from './seqtrack.js';
export { MemoryStorage, IndexedDbStorage, type Storage } from './storage.js';
export type { ConnState, State } from './net/link.js';
export type { Conn, ConnHandlers, Dialer, WebSocketLike, WebSocketConstructor } from './net/conn.js';
export type { FetchLike } from './net/longpoll.js';
export { CtrlError, DisconnectedError } from './requests.js';
export type { SliceStats } from './slicer.js';
export {
  ServiceDesk, type AgentLoad, type AgentReport, type AgentState, type AgentStatus, type ConversationEvent,
  type ConversationEventKind, type ConversationState, type DeskEvent, type DeskEventKind, type DeskReport,
  type DeskState, type OpenResult, type QueueEntry, type QueuePosition, type QuickReply, type ReplyScope,
  type ReviewVerdict,
} from './service.js';
