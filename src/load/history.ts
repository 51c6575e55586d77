// What the load did, operation by operation, for the checks to judge after the run (src/harness/checks): the
// acknowledged writes, the bank's transfers and total reads, the registers' writes and reads. Times are epoch ms
// at the client: `startedAt` when the query was sent, `endedAt` when its answer came.

export interface AckedWrite {
  id: string;
  n: number;
  /** Epoch ms of the acknowledgement. */
  at: number;
}

export interface BankTransfer {
  op: number;
  from: number;
  to: number;
  amount: number;
  startedAt: number;
  endedAt: number;
  /** ok: committed; aborted: refused for funds (committed nothing); failed: unknown (it may or may not have committed). */
  outcome: "ok" | "aborted" | "failed";
}

export interface BankRead {
  op: number;
  startedAt: number;
  endedAt: number;
  /** Every account's balance, read in one query. */
  balances: number[];
}

export interface RegisterWrite {
  op: number;
  register: number;
  value: number;
  startedAt: number;
  endedAt: number;
  ok: boolean;
}

export interface RegisterRead {
  op: number;
  register: number;
  /** The value read; null when the register was not found. */
  value: number | null;
  startedAt: number;
  endedAt: number;
}

export interface History {
  acked: AckedWrite[];
  transfers: BankTransfer[];
  bankReads: BankRead[];
  registerWrites: RegisterWrite[];
  registerReads: RegisterRead[];
}

export const emptyHistory = (): History => ({ acked: [], transfers: [], bankReads: [], registerWrites: [], registerReads: [] });
