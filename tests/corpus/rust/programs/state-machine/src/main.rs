//! state-machine: an order transition that "cannot happen".
use std::env;

#[allow(dead_code)]
#[derive(Debug, Clone, Copy)]
enum State {
    Pending,
    Paid,
    Shipped,
}

fn next(from: State, event: &str) -> State {
    match (from, event) {
        (State::Pending, "pay") => State::Paid,
        (State::Paid, "ship") => State::Shipped,
        (s, e) => unreachable!("invalid transition {s:?} on {e:?}"),
    }
}

fn main() {
    let event = env::args().nth(1).unwrap();
    let s = next(State::Shipped, &event);
    println!("{s:?}");
}
