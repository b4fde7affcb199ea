//! refunds: a code path that was never written.
use std::env;

enum Tender {
    Card,
    GiftCard,
}

fn refund(tender: Tender, cents: u32) -> u32 {
    match tender {
        Tender::Card => cents,
        Tender::GiftCard => todo!("refunds for gift cards"),
    }
}

fn main() {
    let kind = env::args().nth(1).unwrap();
    let tender = if kind == "card" { Tender::Card } else { Tender::GiftCard };
    println!("refunded {}", refund(tender, 4599));
}
