// People: who takes part in the conversations this page shows, as the
// server describes them (Client.members): display names from the public
// card's `fn`, and for customers the trusted card the merchant vouched for
// (`verified`, `scheme`, `claims`). Read when a conversation is joined or
// opened, so names follow transfers and renames on the next open.

import { BehaviorSubject } from 'rxjs';
import type { Client, Member } from '@parley-im/sdk';

/** Profile is what the customer panel shows about one user. */
export interface Profile {
  user: string;
  /** name is the public card's fn, or "" when the user has none. */
  name: string;
  /** verified is true when the merchant's backend vouched for the user (JWT or HMAC login). */
  verified: boolean;
  /** scheme is how they were vouched for ("jwt", "hmac"), or "". */
  scheme: string;
  /** claims are the merchant's claims, as strings, in the order the server gave them. */
  claims: [string, string][];
}

export class People {
  /** members$ holds each loaded conversation's members' profiles. */
  readonly members$ = new BehaviorSubject<ReadonlyMap<string, Profile[]>>(new Map());
  /** names$ maps user ids to display names, for every user seen in any loaded conversation. */
  readonly names$ = new BehaviorSubject<ReadonlyMap<string, string>>(new Map());

  constructor(private readonly client: Client) {}

  /** load reads topic's members again; a failure (offline, refused) keeps what was known. */
  async load(topic: string): Promise<void> {
    let list: Member[];
    try {
      list = await this.client.members(topic);
    } catch {
      return;
    }
    const profiles = list.map(profileOf);
    const members = new Map(this.members$.value);
    members.set(topic, profiles);
    this.members$.next(members);
    const names = new Map(this.names$.value);
    let changed = false;
    for (const p of profiles) {
      if (p.name && names.get(p.user) !== p.name) {
        names.set(p.user, p.name);
        changed = true;
      }
    }
    if (changed) {
      this.names$.next(names);
    }
  }

  /** profile is user's profile in topic, if loaded. */
  profile(topic: string, user: string): Profile | undefined {
    return this.members$.value.get(topic)?.find((p) => p.user === user);
  }
}

/** profileOf reads the cards the server sent; anything malformed reads as absent. */
export function profileOf(m: Member): Profile {
  const pub = asObject(m.public);
  const trusted = asObject(m.trusted);
  const claims = asObject(trusted.claims);
  return {
    user: m.user,
    name: typeof pub.fn === 'string' ? pub.fn : '',
    verified: trusted.verified === true,
    scheme: typeof trusted.scheme === 'string' ? trusted.scheme : '',
    claims: Object.entries(claims).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]),
  };
}

function asObject(v: unknown): Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v) ? (v as Record<string, unknown>) : {};
}
