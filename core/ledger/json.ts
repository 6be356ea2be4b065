/**
 * A member state to and from its stored JSON, cheaply for a member with a long history.
 *
 * Writing: most of a long-standing member's state is its lots, and the reducer shares lots it
 * did not change with the previous state, so each lot's text is remembered and spliced in.
 * Reading: the text read back is compared with the text last parsed for the member (a memcmp,
 * no parse); only a state that changed since is parsed again. Nothing is trusted that the
 * stored text does not say, so a rolled-back write or another writer can never be missed.
 */
import type { Lot, MemberState } from './state.js';

/**
 * JSON.stringify(state), written so that a long-standing member's lots (most of the state,
 * and shared unchanged from one state to the next by the reducer) are serialised once each:
 * the state is serialised with a placeholder where its lots go, and the lots' remembered
 * texts are spliced in. `"lots":0` can only be the key: a quote inside a JSON string is
 * escaped, and no other object in the state has a `lots` key.
 */
const lotJson = new WeakMap<Lot, string>();

export function stateJson(state: MemberState): string {
  let lots = '';
  for (const l of state.lots) {
    let j = lotJson.get(l);
    if (j === undefined) {
      j = JSON.stringify(l);
      lotJson.set(l, j);
    }
    lots = lots === '' ? j : `${lots},${j}`;
  }
  const rest = JSON.stringify({ ...state, lots: 0 });
  const at = rest.indexOf('"lots":0');
  return `${rest.slice(0, at)}"lots":[${lots}]${rest.slice(at + '"lots":0'.length)}`;
}

/** Parsed states by member, reused while the stored text is the same. Bounded: oldest out first. */
export class StateTexts {
  private readonly map = new Map<string, { text: string; state: MemberState }>();

  constructor(private readonly max = 2_000) {}

  parse(memberNo: string, text: string): MemberState {
    const hit = this.get(memberNo, text);
    if (hit) return hit;
    const state = JSON.parse(text) as MemberState;
    this.remember(memberNo, text, state);
    return state;
  }

  /** The state last seen with exactly this text, if any. */
  get(memberNo: string, text: string): MemberState | undefined {
    const hit = this.map.get(memberNo);
    return hit && hit.text === text ? hit.state : undefined;
  }

  /** After writing `text` for `state`: the next read of the same text needs no parse. */
  remember(memberNo: string, text: string, state: MemberState): void {
    this.map.delete(memberNo);
    if (this.map.size >= this.max) {
      const oldest = this.map.keys().next().value;
      if (oldest !== undefined) this.map.delete(oldest);
    }
    this.map.set(memberNo, { text, state });
  }
}
