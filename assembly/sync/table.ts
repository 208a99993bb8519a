// The sync session's states, messages and every transition, in one table
// (docs/sync.md "State machine"). Anything the table does not allow is either
// dropped (a stale or duplicated message) or ends the session, and the end
// state says whose fault it was: FAILED_PEER (the peer broke the protocol or a
// rule) or FAILED_LOCAL (our own storage or an invariant failed).

export const S_HELLO: i32 = 0; // our HELLO is out; waiting for the peer's
export const S_OPEN: i32 = 1; // both HELLOs seen: pushing and receiving
export const S_FAILED_PEER: i32 = 2;
export const S_FAILED_LOCAL: i32 = 3;
export const S_CLOSED: i32 = 4; // the peer rejected us or reported an error
export const N_STATES: i32 = 5;

// Message types: the first byte of every message (docs/sync.md "Messages").
export const M_JUNK: i32 = 0; // any byte that is not a message type below
export const M_HELLO: i32 = 1;
export const M_OBJS: i32 = 2;
export const M_ACK: i32 = 3;
export const M_DONE: i32 = 4;
export const M_REJECT: i32 = 5;
export const M_ERROR: i32 = 6;
export const N_MSGS: i32 = 7;

export const A_DROP: u8 = 0; // stale, duplicated or early: ignore (idempotent protocol)
export const A_HELLO: u8 = 1;
export const A_OBJS: u8 = 2;
export const A_ACK: u8 = 3;
export const A_DONE: u8 = 4;
export const A_REJECTED: u8 = 5; // the peer refused one of our commits
export const A_PEER_ERROR: u8 = 6; // the peer reports an error and leaves
export const A_JUNK: u8 = 7; // protocol violation by the peer
export const A_DEAD: u8 = 8; // the session already ended: E_STATE
export const A_REHELLO: u8 = 9; // the peer lacks our HELLO (its own says so): send it again

// prettier-ignore
const TABLE = memory.data<u8>([
  //  JUNK  HELLO      OBJS    ACK     DONE    REJECT      ERROR
  A_JUNK, A_HELLO, A_DROP, A_DROP, A_DROP, A_REJECTED, A_PEER_ERROR, // S_HELLO
  A_JUNK, A_REHELLO, A_OBJS, A_ACK, A_DONE, A_REJECTED, A_PEER_ERROR, // S_OPEN
  A_DEAD, A_DEAD,  A_DEAD, A_DEAD, A_DEAD, A_DEAD,     A_DEAD,       // S_FAILED_PEER
  A_DEAD, A_DEAD,  A_DEAD, A_DEAD, A_DEAD, A_DEAD,     A_DEAD,       // S_FAILED_LOCAL
  A_DEAD, A_DEAD,  A_DEAD, A_DEAD, A_DEAD, A_DEAD,     A_DEAD,       // S_CLOSED
]);

/** The action for message type `msg` (M_JUNK for unknown bytes) in `state`. */
export function action(state: i32, msg: i32): u8 {
  if (state < 0 || state >= N_STATES) return A_DEAD;
  if (msg < 0 || msg >= N_MSGS) msg = M_JUNK;
  return load<u8>(TABLE + <usize>(state * N_MSGS + msg));
}
