//! session-cache: mutably borrows a RefCell that is already borrowed.
use std::cell::RefCell;
use std::collections::HashMap;
use std::env;

struct Cache {
    entries: RefCell<HashMap<String, u32>>,
}

impl Cache {
    fn touch(&self, key: &str) {
        let entries = self.entries.borrow();
        if !entries.contains_key(key) {
            self.entries.borrow_mut().insert(key.to_string(), 1);
        }
    }
}

fn main() {
    let key = env::args().nth(1).unwrap();
    let cache = Cache { entries: RefCell::new(HashMap::new()) };
    cache.touch(&key);
}
