// The widget's texts in English and Chinese. Each language is a complete
// table of the same keys (the type checks it), chosen once at start.

export type Lang = 'en' | 'zh';

const en = {
  title: 'Customer service',
  message: 'Message',
  send: 'Send',
  attach: 'Attach a file',
  human: 'Talk to a person',
  close: 'Close chat',
  messages: 'Messages',
  suggestions: 'Suggested questions',
  connecting: 'Connecting…',
  reconnecting: 'Connection lost. Reconnecting…',
  failedStart: 'The chat could not start.',
  retry: 'Try again',
  queue: (n: number) => (n === 1 ? 'You are next in line.' : `You are number ${n} in line.`),
  waitingHuman: 'Waiting for a person…',
  typing: 'Typing…',
  robot: 'Assistant',
  agent: 'Agent',
  you: 'You',
  resend: 'Send again',
  status: {
    sending: 'Sending', sent: 'Sent', delivered: 'Delivered', read: 'Read', failed: 'Not sent',
    blocked: 'Blocked', review: 'In review', rejected: 'Rejected',
  },
  events: {
    queued: 'You are in line for a person.',
    assigned: 'A person joined the chat.',
    transferred: 'You were passed to a colleague.',
    closed: 'The conversation was closed.',
    reopened: 'The conversation was reopened.',
    other: 'The conversation changed.',
  },
  file: 'File',
};

type Strings = typeof en;

const zh: Strings = {
  title: '在线客服',
  message: '消息',
  send: '发送',
  attach: '发送文件',
  human: '转人工',
  close: '关闭聊天',
  messages: '消息列表',
  suggestions: '猜你想问',
  connecting: '正在连接…',
  reconnecting: '连接已断开，正在重连…',
  failedStart: '聊天无法开始。',
  retry: '重试',
  queue: (n: number) => (n === 1 ? '下一位就是您。' : `您前面还有 ${n - 1} 位，当前排第 ${n} 位。`),
  waitingHuman: '正在为您转接人工客服…',
  typing: '对方正在输入…',
  robot: '智能助手',
  agent: '客服',
  you: '我',
  resend: '重新发送',
  status: {
    sending: '发送中', sent: '已发送', delivered: '已送达', read: '已读', failed: '发送失败',
    blocked: '已拦截', review: '审核中', rejected: '未通过审核',
  },
  events: {
    queued: '正在排队等待人工客服。',
    assigned: '人工客服已接入。',
    transferred: '已为您转接其他客服。',
    closed: '会话已结束。',
    reopened: '会话已重新开始。',
    other: '会话状态已变化。',
  },
  file: '文件',
};

export type { Strings };

const tables: Record<Lang, Strings> = { en, zh };

/** strings is the table of one language. */
export function strings(lang: Lang): Strings {
  return tables[lang];
}

/** pickLang takes an explicit choice ("en", "zh", "zh-CN"…), else the browser's first language we have. */
export function pickLang(asked: string | null, languages: readonly string[]): Lang {
  for (const l of [asked ?? '', ...languages]) {
    const base = l.toLowerCase().split('-')[0];
    if (base === 'zh' || base === 'en') {
      return base;
    }
  }
  return 'en';
}
