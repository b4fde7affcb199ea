//! Exact longest-common-subsequence length, bit-parallel.
//!
//! Hyyrö's formulation of the Allison–Dix algorithm: one bit per pattern
//! element, `O(n·m/64)` word operations, exact (unlike a diff with
//! heuristics or deadlines), and fast enough to score every fuzzy window.

use std::collections::HashMap;
use std::hash::Hash;

/// A pattern prepared for LCS queries against many texts.
pub(crate) struct LcsPattern<T> {
    /// For each element, the bit set of its positions in the pattern.
    masks: HashMap<T, Vec<u64>>,
    words: usize,
    len: usize,
}

impl<T: Hash + Eq + Clone> LcsPattern<T> {
    pub(crate) fn new(pattern: impl IntoIterator<Item = T>) -> LcsPattern<T> {
        let pattern: Vec<T> = pattern.into_iter().collect();
        let words = pattern.len().div_ceil(64);
        let mut masks: HashMap<T, Vec<u64>> = HashMap::new();
        for (index, element) in pattern.iter().enumerate() {
            masks
                .entry(element.clone())
                .or_insert_with(|| vec![0; words])[index / 64] |= 1 << (index % 64);
        }
        LcsPattern {
            masks,
            words,
            len: pattern.len(),
        }
    }

    /// The pattern's length in elements.
    pub(crate) fn len(&self) -> usize {
        self.len
    }

    /// The length of the longest common subsequence of the pattern and `text`.
    pub(crate) fn lcs(&self, text: impl IntoIterator<Item = T>) -> usize {
        // A zero bit in `v` marks a pattern position matched so far.
        let mut v = vec![u64::MAX; self.words];
        for element in text {
            let Some(mask) = self.masks.get(&element) else {
                continue;
            };
            // v = (v + (v & m)) | (v & !m), the addition carrying across words.
            let mut carry = false;
            for (word, &m) in v.iter_mut().zip(mask) {
                let u = *word & m;
                let (sum, c1) = word.overflowing_add(u);
                let (sum, c2) = sum.overflowing_add(u64::from(carry));
                carry = c1 || c2;
                *word = sum | (*word & !m);
            }
        }
        let mut matched = 0;
        for (index, word) in v.iter().enumerate() {
            let valid = (self.len - index * 64).min(64);
            let valid_mask = if valid == 64 {
                u64::MAX
            } else {
                (1 << valid) - 1
            };
            matched += (!word & valid_mask).count_ones() as usize;
        }
        matched
    }
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::LcsPattern;

    /// The textbook quadratic dynamic program.
    fn reference(a: &[u8], b: &[u8]) -> usize {
        let mut row = vec![0usize; b.len() + 1];
        for &x in a {
            let mut diagonal = 0;
            for (j, &y) in b.iter().enumerate() {
                let above = row[j + 1];
                row[j + 1] = if x == y {
                    diagonal + 1
                } else {
                    above.max(row[j])
                };
                diagonal = above;
            }
        }
        row[b.len()]
    }

    #[test]
    fn known_values() {
        let pattern = LcsPattern::new("ABCBDAB".chars());
        assert_eq!(pattern.lcs("BDCABA".chars()), 4);
        assert_eq!(LcsPattern::new("".chars()).lcs("abc".chars()), 0);
        assert_eq!(LcsPattern::new("abc".chars()).lcs("".chars()), 0);
        // A pattern that is a subsequence of the text matches fully.
        let long: String = (0..300).map(|i| char::from(b'a' + (i % 7) as u8)).collect();
        let text: String = long.chars().flat_map(|c| [c, 'x']).collect();
        assert_eq!(LcsPattern::new(long.chars()).lcs(text.chars()), 300);
    }

    proptest! {
        #[test]
        fn equals_the_quadratic_reference(
            a in proptest::collection::vec(0u8..4, 0..200),
            b in proptest::collection::vec(0u8..4, 0..200),
        ) {
            prop_assert_eq!(LcsPattern::new(a.iter().copied()).lcs(b.iter().copied()), reference(&a, &b));
        }
    }
}
