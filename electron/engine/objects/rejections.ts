/**
 * The typed rejection every refused object operation throws: a protocol error code (which HTTP
 * status and API clients understand) plus a finer `reason` a client can branch on
 * (bid_too_low, already_voted, market_closed, rate_limited, ...).
 */
import { type ErrorCode, ProtocolError, type ProtocolErrorBody } from '../../../shared/protocol.ts';

export type RejectionReason =
  | 'unknown_object'
  | 'object_exists'
  | 'too_many_objects'
  | 'unknown_op'
  | 'invalid_args'
  | 'payload_too_large'
  | 'forbidden'
  | 'rate_limited'
  | 'text_too_long'
  | 'unknown_message'
  | 'poll_not_open'
  | 'poll_already_open'
  | 'poll_idle'
  | 'unknown_option'
  | 'already_voted'
  | 'unknown_market'
  | 'market_exists'
  | 'market_closed'
  | 'market_settled'
  | 'unknown_selection'
  | 'stake_too_low'
  | 'stake_too_high'
  | 'auction_not_open'
  | 'auction_already_open'
  | 'auction_ended'
  | 'bid_too_low'
  | 'unknown_track'
  | 'too_many_tracks'
  | 'too_many_keys'
  | 'unknown_key'
  | 'reserved_name'
  | 'state_too_large'
  | 'store_closed'
  | 'journal_failed'
  | 'objects_offline';

export interface RejectionBody extends ProtocolErrorBody {
  reason: RejectionReason;
}

export class ObjectRejection extends ProtocolError {
  readonly reason: RejectionReason;
  constructor(code: ErrorCode, reason: RejectionReason, message: string) {
    super(code, message);
    this.name = 'ObjectRejection';
    this.reason = reason;
  }
  override toJSON(): RejectionBody {
    return { code: this.code, reason: this.reason, message: this.message };
  }
}

export function reject(code: ErrorCode, reason: RejectionReason, message: string): never {
  throw new ObjectRejection(code, reason, message);
}
