//! Deterministic input mutation for robustness tests ("fuzzing" without a fuzzer): every
//! parser of outside input (netlink messages, /proc and /etc text, snapshot files, netstat
//! command lines) is fed thousands of damaged variants of real inputs and must return, never
//! panic. The generator is a fixed-seed xorshift, so a failure reproduces exactly.

/// A xorshift64* generator.
pub struct Rng(u64);

impl Rng {
    /// A generator seeded with `seed` (any value but 0 behaves the same way).
    pub fn new(seed: u64) -> Rng {
        Rng(seed.max(1))
    }

    /// The next number.
    pub fn next(&mut self) -> u64 {
        let mut x = self.0;
        x ^= x >> 12;
        x ^= x << 25;
        x ^= x >> 27;
        self.0 = x;
        x.wrapping_mul(0x2545_f491_4f6c_dd1d)
    }

    /// A number below `n` (0 when `n` is 0).
    pub fn below(&mut self, n: usize) -> usize {
        if n == 0 {
            0
        } else {
            usize::try_from(self.next() % n as u64).unwrap_or(0)
        }
    }
}

/// Bytes parsers tend to care about.
const INTERESTING: [u8; 12] = [
    0, 0xff, 0x7f, 0x80, b'\n', b' ', b':', b'-', b'9', b'"', b'[', b'{',
];

/// A damaged copy of `input`: one to four edits among flipping a bit, writing an interesting
/// byte, truncating, deleting a run, duplicating a run.
pub fn mutate(rng: &mut Rng, input: &[u8]) -> Vec<u8> {
    let mut v = input.to_vec();
    for _ in 0..=rng.below(4) {
        let len = v.len();
        match rng.below(5) {
            0 if len > 0 => {
                let i = rng.below(len);
                v[i] ^= 1 << rng.below(8);
            }
            1 if len > 0 => {
                let i = rng.below(len);
                v[i] = INTERESTING[rng.below(INTERESTING.len())];
            }
            2 => v.truncate(rng.below(len + 1)),
            3 if len > 0 => {
                let i = rng.below(len);
                let n = rng.below((len - i).min(64) + 1);
                v.drain(i..i + n);
            }
            4 if len > 0 => {
                let i = rng.below(len);
                let n = rng.below((len - i).min(64) + 1);
                let run: Vec<u8> = v[i..i + n].to_vec();
                let at = rng.below(len + 1);
                v.splice(at..at, run);
            }
            _ => {}
        }
    }
    v
}

/// Calls `check` on `rounds` damaged variants of each input (and on each input itself).
pub fn each_variant(inputs: &[&[u8]], rounds: usize, seed: u64, mut check: impl FnMut(&[u8])) {
    let mut rng = Rng::new(seed);
    for input in inputs {
        check(input);
        for _ in 0..rounds {
            check(&mutate(&mut rng, input));
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_same_seed_gives_the_same_variants() {
        let (mut a, mut b) = (Rng::new(7), Rng::new(7));
        let input = b"0: 0100007F:1F90 00000000:0000 0A";
        for _ in 0..100 {
            assert_eq!(mutate(&mut a, input), mutate(&mut b, input));
        }
        let mut changed = 0;
        each_variant(&[input], 200, 3, |v| changed += usize::from(v != input));
        assert!(changed > 150, "{changed}");
    }
}
