//! reconcile: assert_eq! between the ledger and the bank statement.
use std::env;

fn ledger_total(account: &str) -> i64 {
    account.len() as i64 * 100 + 1199
}

fn bank_total(account: &str) -> i64 {
    account.len() as i64 * 100 + 1200
}

fn main() {
    let account = env::args().nth(1).unwrap();
    let ledger = ledger_total(&account);
    let bank = bank_total(&account);
    assert_eq!(ledger, bank, "totals differ for account {account}");
    println!("account {account} reconciled");
}
