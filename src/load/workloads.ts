// The load's operations, each one FQL v4 query through the `faunadb` driver: a document write, a read-back of an
// acknowledged write, a bank transfer (read both balances, move an amount, one transaction), a read of every
// balance in one query, a register write that only raises the value, and a register read. The setup creates the
// collections, the bank's accounts and the registers once.
import faunadb from "faunadb";
import type { Endpoint } from "./load.ts";
import { once } from "./load.ts";

const q = faunadb.query;

/** The collections one run uses; each scenario gets its own. */
export interface WorkloadNames {
  writes: string;
  accounts: string;
  registers: string;
}

export const namesFor = (base: string): WorkloadNames => ({ writes: base, accounts: `${base}_accounts`, registers: `${base}_registers` });

export const BANK = { accounts: 8, initialBalance: 100, maxAmount: 10 } as const;
export const REGISTERS = 4;

const account = (names: WorkloadNames, i: number) => q.Ref(q.Collection(names.accounts), String(i + 1));
const register = (names: WorkloadNames, i: number) => q.Ref(q.Collection(names.registers), String(i + 1));
const balanceOf = (ref: faunadb.Expr) => q.Select(["data", "balance"], q.Get(ref));
const createIfAbsent = (ref: faunadb.Expr, data: Record<string, number>) => q.If(q.Exists(ref), null, q.Create(ref, { data }));

/** The collections, accounts and registers (idempotent: a second call changes nothing). */
export async function setupWorkload(endpoint: Endpoint, secret: string, names: WorkloadNames): Promise<void> {
  for (const name of [names.writes, names.accounts, names.registers])
    await once(endpoint, secret, q.If(q.Exists(q.Collection(name)), null, q.CreateCollection({ name })));
  await once(endpoint, secret, q.Do(...Array.from({ length: BANK.accounts }, (_, i) => createIfAbsent(account(names, i), { balance: BANK.initialBalance }))));
  await once(endpoint, secret, q.Do(...Array.from({ length: REGISTERS }, (_, i) => createIfAbsent(register(names, i), { value: 0 }))));
}

export const writeDoc = (names: WorkloadNames, n: number) => q.Create(q.Collection(names.writes), { data: { n } });
export const readDoc = (names: WorkloadNames, id: string) => q.Get(q.Ref(q.Collection(names.writes), id));

/** Moves `amount` from one account to another if it has the funds; aborts otherwise. */
export function transfer(names: WorkloadNames, from: number, to: number, amount: number) {
  const [a, b] = [account(names, from), account(names, to)];
  return q.Let({ fromBalance: balanceOf(a), toBalance: balanceOf(b) },
    q.If(q.GTE(q.Var("fromBalance"), amount),
      q.Do(
        q.Update(a, { data: { balance: q.Subtract(q.Var("fromBalance"), amount) } }),
        q.Update(b, { data: { balance: q.Add(q.Var("toBalance"), amount) } }),
        true),
      q.Abort("insufficient funds")));
}

/** Every balance, in one query (one transaction: one snapshot). */
export const readBalances = (names: WorkloadNames) => Array.from({ length: BANK.accounts }, (_, i) => balanceOf(account(names, i)));

/** Sets the register to `value` unless it already holds more: the register only grows, so reads can be judged. */
export function raiseRegister(names: WorkloadNames, i: number, value: number) {
  const ref = register(names, i);
  return q.Let({ current: q.Select(["data", "value"], q.Get(ref)) },
    q.If(q.LT(q.Var("current"), value), q.Do(q.Update(ref, { data: { value } }), value), q.Var("current")));
}

export const readRegister = (names: WorkloadNames, i: number) => q.Select(["data", "value"], q.Get(register(names, i)));
