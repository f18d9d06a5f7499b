//! What the fuzz tests of every crate share (`tests/fuzz.rs` in core, docs and linxuan): how
//! many cases to run, and byte-level mutations of a real file. Nothing here runs in the
//! application.
//!
//! `LINXUAN_FUZZ_CASES` sets the number of cases of each fuzz test: the test command runs a
//! short pass (the default); `LINXUAN_FUZZ_CASES=1000000` runs the long one (see
//! docs/SECURITY.md).

/// The number of cases to run: `LINXUAN_FUZZ_CASES`, else `default`.
pub fn cases(default: u32) -> u32 {
    std::env::var("LINXUAN_FUZZ_CASES").ok().and_then(|v| v.trim().parse().ok()).unwrap_or(default)
}

/// One change to a file's bytes: at a position (taken modulo the length), of a kind, with a
/// value.
pub type Mutation = (u32, u8, u8);

/// `seed` with `mutations` applied in turn: overwrite a byte, insert one, remove one, cut the
/// file short, repeat a stretch, flip a bit, or put in a byte that readers treat specially
/// (a quote, a comma, a line break, a NUL, `<`, a digit).
pub fn mutate(seed: &[u8], mutations: &[Mutation]) -> Vec<u8> {
    let mut bytes = seed.to_vec();
    for &(at, kind, value) in mutations {
        let len = bytes.len();
        let i = if len == 0 { 0 } else { at as usize % len };
        match kind % 7 {
            0 if len > 0 => bytes[i] = value,
            1 => bytes.insert(i.min(len), value),
            2 if len > 0 => {
                bytes.remove(i);
            }
            3 => bytes.truncate(i),
            4 if len > 0 => {
                let end = (i + 1 + value as usize).min(len);
                let stretch = bytes[i..end].to_vec();
                let at = end.min(bytes.len());
                bytes.splice(at..at, stretch);
            }
            5 if len > 0 => bytes[i] ^= 1 << (value % 8),
            6 => {
                let special = [b'"', b',', b'\n', b'\r', 0, b'<', b'>', b'9', b'-', b'.', b'=', 0xFF];
                bytes.insert(i.min(len), special[value as usize % special.len()]);
            }
            _ => {}
        }
    }
    bytes
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn mutations_change_what_they_say() {
        assert_eq!(mutate(b"abc", &[(1, 0, b'X')]), b"aXc");
        assert_eq!(mutate(b"abc", &[(1, 1, b'X')]), b"aXbc");
        assert_eq!(mutate(b"abc", &[(1, 2, 0)]), b"ac");
        assert_eq!(mutate(b"abc", &[(2, 3, 0)]), b"ab");
        assert_eq!(mutate(b"abc", &[(0, 4, 1)]), b"ababc");
        assert_eq!(mutate(b"", &[(5, 0, 1), (3, 1, b'z')]), b"z");
    }
}
