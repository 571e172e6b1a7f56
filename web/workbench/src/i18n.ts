// Two languages, English and Chinese, as plain dictionaries: the workbench has
// a few dozen strings, which a translation library would not make simpler.
// The language follows the browser until the agent picks one; the pick is kept.

export type Lang = 'en' | 'zh';

const en = {
  appName: 'Parley',
  signIn: 'Sign in',
  signOut: 'Sign out',
  login: 'Login',
  password: 'Password',
  signInFailed: 'Sign-in failed',
  status: 'Status',
  online: 'Online',
  busy: 'Busy',
  away: 'Away',
  offline: 'Offline',
  conversations: 'Conversations',
  mine: 'Mine',
  queue: 'Queue',
  all: 'All',
  noConversations: 'No conversations',
  unread: 'unread',
  waiting: 'waiting',
  message: 'Message',
  messages: 'Messages',
  note: 'Private note',
  reply: 'Reply',
  send: 'Send',
  resend: 'Resend',
  typing: 'is typing…',
  reconnecting: 'Connection lost — reconnecting…',
  jumpUnread: 'Jump to first unread',
  jumpLatest: 'Jump to latest',
  loadOlder: 'Load older messages',
  quickReplies: 'Quick replies',
  labels: 'Labels',
  addLabel: 'Add label',
  removeLabel: 'Remove label',
  transfer: 'Transfer',
  transferTo: 'Transfer to (usr… or team:NAME)',
  close: 'Close conversation',
  customer: 'Customer',
  unverified: 'Unverified visitor',
  claims: 'Details from the shop',
  attach: 'Attach a file',
  pastConversations: 'Past conversations',
  verified: 'Verified by the merchant',
  visitor: 'Visitor',
  notifications: 'Enable desktop notifications',
  language: 'Language',
  supervisor: 'Supervisor',
  workbench: 'Workbench',
  agents: 'Agents',
  load: 'Load',
  waitTime: 'Wait time',
  firstResponse: 'First response',
  perAgent: 'Conversations per agent',
  queueOverTime: 'Queue length over time',
  since: 'since',
  selectConversation: 'Select a conversation',
  join: 'Join',
  private: 'private',
  st_sending: 'sending',
  st_sent: 'sent',
  st_delivered: 'delivered',
  st_read: 'read',
  st_failed: 'failed',
  st_blocked: 'blocked',
  st_review: 'in review',
  st_rejected: 'rejected',
  st_masked: 'masked',
  file: 'File',
  ev_queued: 'Waiting for an agent',
  ev_assigned: 'An agent joined',
  ev_transferred: 'Transferred',
  ev_closed: 'Conversation closed',
  ev_reopened: 'Conversation reopened',
  shortcuts: 'Alt+J / Alt+K: next / previous conversation · Alt+L: reply · Alt+P: private note · Alt+E: close · /: quick replies',
};

export type Key = keyof typeof en;
export type Dict = Record<Key, string>;

const zh: Dict = {
  appName: 'Parley',
  signIn: '登录',
  signOut: '退出',
  login: '账号',
  password: '密码',
  signInFailed: '登录失败',
  status: '状态',
  online: '在线',
  busy: '忙碌',
  away: '离开',
  offline: '离线',
  conversations: '会话',
  mine: '我的',
  queue: '排队',
  all: '全部',
  noConversations: '没有会话',
  unread: '未读',
  waiting: '等待',
  message: '消息',
  messages: '消息列表',
  note: '内部备注',
  reply: '回复',
  send: '发送',
  resend: '重发',
  typing: '正在输入…',
  reconnecting: '连接已断开，正在重连…',
  jumpUnread: '跳到第一条未读',
  jumpLatest: '跳到最新',
  loadOlder: '加载更早的消息',
  quickReplies: '快捷回复',
  labels: '标签',
  addLabel: '添加标签',
  removeLabel: '删除标签',
  transfer: '转接',
  transferTo: '转接给（usr… 或 team:名称）',
  close: '结束会话',
  customer: '客户',
  unverified: '未验证的访客',
  claims: '商家提供的信息',
  attach: '添加附件',
  pastConversations: '历史会话',
  verified: '商户已认证',
  visitor: '访客',
  notifications: '开启桌面通知',
  language: '语言',
  supervisor: '主管',
  workbench: '工作台',
  agents: '客服',
  load: '负载',
  waitTime: '等待时长',
  firstResponse: '首次响应',
  perAgent: '每位客服的会话数',
  queueOverTime: '排队长度变化',
  since: '自',
  selectConversation: '请选择一个会话',
  join: '加入',
  private: '内部',
  st_sending: '发送中',
  st_sent: '已发送',
  st_delivered: '已送达',
  st_read: '已读',
  st_failed: '发送失败',
  st_blocked: '已拦截',
  st_review: '审核中',
  st_rejected: '已驳回',
  st_masked: '已屏蔽敏感词',
  file: '文件',
  ev_queued: '等待客服接入',
  ev_assigned: '客服已接入',
  ev_transferred: '已转接',
  ev_closed: '会话已结束',
  ev_reopened: '会话已重新打开',
  shortcuts: 'Alt+J / Alt+K：下一个 / 上一个会话 · Alt+L：回复 · Alt+P：内部备注 · Alt+E：结束 · /：快捷回复',
};

const dicts: Record<Lang, Dict> = { en, zh };

const langKey = 'parley-workbench-lang';

/** initialLang is the kept pick, else the browser's first language. */
export function initialLang(): Lang {
  const kept = localStorage.getItem(langKey);
  if (kept === 'en' || kept === 'zh') {
    return kept;
  }
  return navigator.language.toLowerCase().startsWith('zh') ? 'zh' : 'en';
}

export function keepLang(l: Lang): void {
  localStorage.setItem(langKey, l);
  document.documentElement.lang = l === 'zh' ? 'zh-CN' : 'en';
}

export function dict(l: Lang): Dict {
  return dicts[l];
}
