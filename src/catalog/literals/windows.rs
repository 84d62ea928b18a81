//! The window search: which of many literals occur in a text, ignoring ASCII case, by
//! hashing folded four-byte windows at a stride and testing one bit of a bitmap for each.

use super::MIN_LITERAL;

/// Bits of the hash that selects a filter bit: 2^18 bits are 32 KiB, which stays in the
/// first-level cache while a text is scanned.
const HASH_BITS: u32 = 18;

/// Which of many literals (at least [`MIN_LITERAL`] bytes, lower case) occur in a text,
/// ignoring ASCII case.
///
/// Only every `stride`-th position of the text is looked at, through the four bytes that
/// start there: they are folded (`| 0x20` on each byte, which maps both cases of a letter to
/// one value), hashed, and the hash picks a bit of a bitmap. Wherever a literal occurs, one of
/// any `stride` consecutive windows over it starts at a position that is looked at, so each
/// literal sets the bits of `stride` consecutive windows: the run whose most common window is
/// least likely in source code and configuration (by [`RARITY`]). Only where a bit is set are
/// the literals with that hash compared. Unlike an automaton, whose every step waits for the
/// previous state, the positions are independent, so the processor works on several at once.
///
/// A literal shorter than `stride + 3` bytes has too few windows of its own, so its run may
/// include the window that starts one byte before it or the one that ends one byte after it.
/// Such a window holds three bytes of the literal and one unknown byte, and sets the bits of
/// all 128 folded values of that byte (a text's end reads as a zero byte). This lets the
/// shortest literal, of `n` bytes, allow a stride of `n - 1`.
#[derive(Debug)]
pub(super) struct LiteralSearch {
    literals: Vec<Vec<u8>>,
    bits: Vec<u64>,
    /// The windows that stand for the literals, sorted by hash.
    windows: Vec<Window>,
    /// Where the windows of each 64-bit word of `bits` begin in `windows`.
    word_start: Vec<u32>,
    pub(super) stride: usize,
}

/// One window that stands for a literal.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
struct Window {
    hash: u32,
    literal: u32,
    /// Where the window starts relative to the literal.
    offset: i32,
    /// The eight bytes from where the window starts, folded, with the bytes that lie outside
    /// the literal masked out: most windows that share a literal's hash are told apart from
    /// it by one comparison of these, before its bytes are compared one by one.
    mask: u64,
    value: u64,
}

impl Window {
    fn new(hash: u32, literal: &[u8], index: usize, offset: i32) -> Window {
        let (mut mask, mut value) = (0u64, 0u64);
        for i in 0..8 {
            let at = offset + i;
            if let Some(&byte) = usize::try_from(at).ok().and_then(|at| literal.get(at)) {
                mask |= 0xFF << (8 * i);
                value |= u64::from(byte | 0x20) << (8 * i);
            }
        }
        Window {
            hash,
            literal: index as u32,
            offset,
            mask,
            value,
        }
    }
}

/// At most this many windows stand for one literal.
const MAX_STRIDE: usize = 4;

// A window that starts before a literal is never looked at for a literal at the start of a
// text only because the stride is at least two, which literals of three bytes or more give.
const _: () = assert!(MIN_LITERAL >= 3);

impl LiteralSearch {
    pub(super) fn new(literals: Vec<Vec<u8>>) -> Self {
        let shortest = literals.iter().map(Vec::len).min().unwrap_or(MIN_LITERAL);
        let stride = shortest.saturating_sub(1).clamp(1, MAX_STRIDE);
        let mut bits = vec![0u64; 1 << (HASH_BITS - 6)];
        let mut windows = Vec::new();
        for (index, literal) in literals.iter().enumerate() {
            debug_assert!(literal.len() >= MIN_LITERAL);
            for (key, offset) in run_of_windows(literal, stride) {
                let hash = hash(key);
                bits[(hash >> 6) as usize] |= 1 << (hash & 63);
                windows.push(Window::new(hash, literal, index, offset));
            }
        }
        windows.sort_unstable();
        windows.dedup();
        let mut word_start = Vec::with_capacity(bits.len() + 1);
        for word in 0..=bits.len() as u32 {
            word_start.push(windows.partition_point(|w| (w.hash >> 6) < word) as u32);
        }
        Self {
            literals,
            bits,
            windows,
            word_start,
            stride,
        }
    }

    /// Calls `found` once for each literal that occurs in `text`.
    pub(super) fn each_present(&self, text: &[u8], mut found: impl FnMut(usize)) {
        // Allocated at the first window that may belong to a literal.
        let mut seen = Vec::new();
        let mut check = |at: usize, hash: u32| {
            seen.resize(self.literals.len(), false);
            let word = (hash >> 6) as usize;
            let range = self.word_start[word] as usize..self.word_start[word + 1] as usize;
            // Near the end of the text the eight bytes are not there to compare.
            let eight = text
                .get(at..at + 8)
                .and_then(|bytes| bytes.try_into().ok())
                .map(|bytes| u64::from_le_bytes(bytes) | 0x2020_2020_2020_2020);
            for window in &self.windows[range] {
                let literal = window.literal as usize;
                if window.hash != hash
                    || eight.is_some_and(|e| e & window.mask != window.value)
                    || seen[literal]
                {
                    continue;
                }
                let Some(start) = at.checked_add_signed(-(window.offset as isize)) else {
                    continue;
                };
                let bytes = &self.literals[literal];
                if text
                    .get(start..start + bytes.len())
                    .is_some_and(|t| t.eq_ignore_ascii_case(bytes))
                {
                    seen[literal] = true;
                    found(literal);
                }
            }
        };
        let mut at = 0;
        while let Some(window) = text.get(at..at + 4) {
            let hash = hash(fold([window[0], window[1], window[2], window[3]]));
            if self.bits[(hash >> 6) as usize] & (1 << (hash & 63)) != 0 {
                check(at, hash);
            }
            at += self.stride;
        }
        // Near the end a window runs past the text: its missing bytes read as zero, which is
        // how a literal's window that ends one byte after it was entered.
        while at < text.len() {
            let mut window = [0u8; 4];
            for (slot, &byte) in window.iter_mut().zip(&text[at..]) {
                *slot = byte;
            }
            let hash = hash(fold(window));
            if self.bits[(hash >> 6) as usize] & (1 << (hash & 63)) != 0 {
                check(at, hash);
            }
            at += self.stride;
        }
    }
}

/// The folded windows that stand for `literal` at `stride`, each with where it starts
/// relative to the literal: `stride` consecutive windows, at most one byte outside the
/// literal on either side, whose most common window is rarest. A window with a byte outside
/// the literal comes once for each of the 128 values that byte folds to.
fn run_of_windows(literal: &[u8], stride: usize) -> Vec<(u32, i32)> {
    let len = literal.len() as i32;
    let stride = stride as i32;
    // Long enough literals use only their own bytes.
    let (first, last) = if len >= stride + 3 {
        (0, len - 3 - stride)
    } else {
        (-1, len - 2 - stride)
    };
    let known = |offset: i32| (offset..offset + 4).filter(move |&at| (0..len).contains(&at));
    let score = |offset: i32| {
        known(offset)
            .map(|at| rarity(literal[at as usize]))
            .sum::<u32>()
    };
    let best = (first..=last)
        .max_by_key(|&start| (start..start + stride).map(score).min())
        .unwrap_or(first);
    let mut keys = Vec::new();
    for offset in best..best + stride {
        let byte = |at: i32| (0..len).contains(&at).then(|| literal[at as usize]);
        let bytes = [
            byte(offset),
            byte(offset + 1),
            byte(offset + 2),
            byte(offset + 3),
        ];
        let unknown = bytes.iter().position(Option::is_none);
        let values: Vec<u8> = match unknown {
            Some(_) => (0..=255u8).filter(|b| b & 0x20 != 0).collect(),
            None => vec![0],
        };
        for value in values {
            let window = bytes.map(|b| b.unwrap_or(value));
            keys.push((fold(window), offset));
        }
    }
    keys
}

/// How rarely each folded byte occurs in source code and configuration, as eight times the
/// negative binary logarithm of its frequency: higher is rarer. Measured over 86 MB of Python,
/// Rust, JavaScript, Go, YAML, TOML, JSON and Markdown; indexed by [`rarity`]. Space, `e` and
/// `t` are the most common bytes; punctuation such as `[`, `@` and `$` and non-ASCII are rare.
const RARITY: [u8; 128] = [
    17, 75, 56, 67, 86, 101, 73, 62, 52, 52, 40, 89, 50, 66, 55, 52, //
    59, 61, 58, 63, 68, 74, 69, 76, 69, 78, 47, 58, 75, 55, 68, 91, //
    68, 38, 50, 42, 46, 32, 47, 53, 52, 39, 81, 63, 42, 49, 38, 40, //
    44, 75, 38, 37, 34, 43, 59, 62, 61, 56, 74, 57, 75, 57, 104, 42, //
    100, 109, 109, 108, 108, 108, 108, 109, 108, 109, 109, 110, 109, 110, 110, 109, //
    102, 105, 107, 108, 106, 108, 108, 110, 107, 105, 108, 107, 107, 104, 106, 104, //
    113, 108, 99, 114, 118, 102, 102, 104, 104, 106, 112, 120, 120, 126, 128, 115, //
    99, 132, 135, 135, 137, 147, 156, 148, 142, 144, 172, 152, 167, 174, 172, 158, //
];

/// The rarity of a byte once folded: folded bytes have bit 5 set, so bits 7, 6 and 4..0
/// number them.
fn rarity(byte: u8) -> u32 {
    u32::from(RARITY[usize::from(((byte >> 6) << 5) | (byte & 0x1F))])
}

/// Four bytes as one number, each with bit 5 set, so that `A` and `a` read the same.
fn fold(bytes: [u8; 4]) -> u32 {
    u32::from_le_bytes(bytes) | 0x2020_2020
}

/// Multiplicative hashing: the high bits of the product depend on every byte.
fn hash(key: u32) -> u32 {
    key.wrapping_mul(0x9E37_79B1) >> (32 - HASH_BITS)
}
