/**
 * A member's personal fields sealed to one till (issue 11, item 2: "encrypted to that till
 * where it carries personal data"). Head office seals them in every member record of the
 * change feed and of a member-lookup answer it sends a till; only that till, holding its own
 * secret, can open them. TLS protects the channel; this protects the data from whatever sees
 * the answers past TLS (a terminating proxy, a log of bodies) and from every other till.
 *
 * | step      | value                                                                          |
 * | --------- | ------------------------------------------------------------------------------ |
 * | key       | HKDF-SHA256(ikm = the till secret's UTF-8 bytes, salt = empty, info = `hq-feed-personal-v1`, 32 bytes) |
 * | cipher    | AES-256-GCM, 16-byte tag                                                       |
 * | nonce     | 12 random bytes, fresh for every member record sealed                          |
 * | AAD       | UTF-8 of `<memberNo>\n<field>`, field = `personal` (the record's envelope)    |
 * | plaintext | UTF-8 JSON of {name, phone, birthday, gender, ageBand, interests} (PERSONAL_FIELDS) |
 * | wire      | `personal: {nonce: base64(nonce), ciphertext: base64(ciphertext ‖ tag)}`         |
 *
 * The member number in the AAD binds a ciphertext to its member: moved to another member's
 * record it does not open. The key is per till (its secret), so another till's ciphertext
 * does not open either. What cannot be opened is a PersonalDataError: the till applies nothing
 * of that page or answer.
 *
 * node:crypto here is pure computation, which core/ allows (see sign.ts).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import {
  PERSONAL_FIELDS,
  PersonalFields,
  type Change,
  type ChangesResponse,
  type MemberFeed,
  type MemberLookupAnswer,
  type SealedChange,
  type SealedChangesResponse,
  type SealedMemberFeed,
  type SealedMemberLookupAnswer,
  type SealedPersonal,
} from './protocol.js';

export const PERSONAL_KEY_INFO = 'hq-feed-personal-v1';
export const PERSONAL_FIELD = 'personal';
const TAG_BYTES = 16;

/** A sealed member record that does not open with this till's key (tampered, moved, or another till's). */
export class PersonalDataError extends Error {
  readonly code = 'personal_data_unreadable';
  constructor(readonly memberNo: string) {
    super(`the personal data of member ${memberNo} cannot be opened with this till's key`);
    this.name = 'PersonalDataError';
  }
}

/** The AES-256-GCM key for one till's personal fields, from that till's secret. */
export function personalKey(tillSecret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', Buffer.from(tillSecret, 'utf8'), Buffer.alloc(0), PERSONAL_KEY_INFO, 32));
}

function aad(memberNo: string): Buffer {
  return Buffer.from(`${memberNo}\n${PERSONAL_FIELD}`, 'utf8');
}

/**
 * Random 96-bit GCM nonces drawn from a block filled by the CSPRNG at a time: a feed page seals
 * every member change of it for the asking till, and asking the generator for 12 bytes each
 * time cost more than the sealing. Each nonce is used once; the block is never reused.
 */
const NONCE_BYTES = 12;
let nonces = Buffer.alloc(0);
let nextNonce = 0;

function freshNonce(): Buffer {
  if (nextNonce + NONCE_BYTES > nonces.length) {
    nonces = randomBytes(NONCE_BYTES * 4096);
    nextNonce = 0;
  }
  const n = Buffer.from(nonces.subarray(nextNonce, nextNonce + NONCE_BYTES));
  nextNonce += NONCE_BYTES;
  return n;
}

export function sealMember(key: Buffer, m: MemberFeed): SealedMemberFeed {
  const { name, phone, birthday, gender, ageBand, interests, ...clear } = m;
  const nonce = freshNonce();
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(aad(m.memberNo));
  const plain = JSON.stringify({ name, phone, birthday, gender, ageBand: ageBand ?? null, interests });
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final(), c.getAuthTag()]);
  return { ...clear, personal: { nonce: nonce.toString('base64'), ciphertext: body.toString('base64') } };
}

function open(key: Buffer, memberNo: string, sealed: SealedPersonal): PersonalFields {
  try {
    const nonce = Buffer.from(sealed.nonce, 'base64');
    const body = Buffer.from(sealed.ciphertext, 'base64');
    if (nonce.length !== 12 || body.length < TAG_BYTES) throw new Error('short');
    const d = createDecipheriv('aes-256-gcm', key, nonce);
    d.setAAD(aad(memberNo));
    d.setAuthTag(body.subarray(body.length - TAG_BYTES));
    const plain = Buffer.concat([d.update(body.subarray(0, body.length - TAG_BYTES)), d.final()]).toString('utf8');
    return PersonalFields.parse(JSON.parse(plain));
  } catch {
    throw new PersonalDataError(memberNo);
  }
}

export function openMember(key: Buffer, s: SealedMemberFeed): MemberFeed {
  const { personal, ...clear } = s;
  return { ...clear, ...open(key, s.memberNo, personal) };
}

export function sealChange(key: Buffer, c: Change): SealedChange {
  return c.type === 'member' ? { ...c, member: sealMember(key, c.member) } : c;
}

export function openChange(key: Buffer, c: SealedChange): Change {
  return c.type === 'member' ? { ...c, member: openMember(key, c.member) } : c;
}

export function sealChanges(key: Buffer, page: ChangesResponse): SealedChangesResponse {
  return {
    changes: page.changes.map((c) => sealChange(key, c)),
    cursor: page.cursor,
    ...(page.cursorAt === undefined ? {} : { cursorAt: page.cursorAt }),
    ...(page.rewound ? { rewound: page.rewound } : {}),
    ...(page.ackSeq === undefined ? {} : { ackSeq: page.ackSeq }),
    ...(page.ackOutbox === undefined ? {} : { ackOutbox: page.ackOutbox }),
    ...(page.more === undefined ? {} : { more: page.more }),
    ...(page.stock ? { stock: page.stock } : {}),
  };
}

export function sealLookupAnswer(key: Buffer, a: MemberLookupAnswer): SealedMemberLookupAnswer {
  return { ...a, member: sealMember(key, a.member) };
}

export function openLookupAnswer(key: Buffer, a: SealedMemberLookupAnswer): MemberLookupAnswer {
  return { ...a, member: openMember(key, a.member) };
}

// Compile-time guard: the fields sealed are exactly those taken out of the record on the wire.
const _fieldsFit: readonly (keyof PersonalFields)[] = PERSONAL_FIELDS;
void _fieldsFit;
