//! A message on its way out whose generated attachments are produced while
//! it is sent: their bytes, and their base64 lines, exist a chunk at a time
//! and never whole in memory.

use base64::Engine;

/// The bytes of one base64 line: 57 bytes make 76 characters (RFC 2045
/// §6.8), wrapped as lettre wraps an attachment's body.
const LINE_BYTES: usize = 57;
/// About how many bytes of the message one chunk holds.
const CHUNK: usize = 64 * 1024;

/// A message to send: literal bytes and generated attachment bodies in
/// order. [`Outgoing::chunks`] yields it piece by piece;
/// [`Outgoing::to_bytes`] builds it whole for the senders that need it
/// whole (DKIM signing, the SES API).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Outgoing {
    parts: Vec<Part>,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Part {
    Bytes(Vec<u8>),
    /// `size` pseudo-random bytes seeded by `seed`, base64-encoded in
    /// lines of 76 characters, CRLF between lines, none after the last.
    Generated {
        seed: String,
        size: u64,
    },
}

impl Outgoing {
    /// A message of these literal bytes only.
    pub fn from_bytes(bytes: Vec<u8>) -> Self {
        Self {
            parts: vec![Part::Bytes(bytes)],
        }
    }

    pub(super) fn new() -> Self {
        Self { parts: Vec::new() }
    }

    pub(super) fn push_bytes(&mut self, bytes: &[u8]) {
        if !bytes.is_empty() {
            self.parts.push(Part::Bytes(bytes.to_vec()));
        }
    }

    pub(super) fn push_generated(&mut self, seed: &str, size: u64) {
        self.parts.push(Part::Generated {
            seed: seed.to_string(),
            size,
        });
    }

    /// The message's size in bytes.
    pub fn len(&self) -> u64 {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Bytes(b) => b.len() as u64,
                Part::Generated { size, .. } => base64_len(*size),
            })
            .sum()
    }

    /// The bytes the message holds in memory: its literal parts only.
    pub fn held(&self) -> usize {
        self.parts
            .iter()
            .map(|p| match p {
                Part::Bytes(b) => b.len(),
                Part::Generated { .. } => 0,
            })
            .sum()
    }

    /// Whether the message has no bytes.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Whether every byte is ASCII (generated bodies are base64, so they
    /// are).
    pub fn is_ascii(&self) -> bool {
        self.parts.iter().all(|p| match p {
            Part::Bytes(b) => b.is_ascii(),
            Part::Generated { .. } => true,
        })
    }

    /// The message in pieces of about 64 KiB, in order.
    pub fn chunks(&self) -> impl Iterator<Item = Vec<u8>> + Send + '_ {
        self.parts
            .iter()
            .flat_map(|part| -> Box<dyn Iterator<Item = Vec<u8>> + Send + '_> {
                match part {
                    Part::Bytes(b) => Box::new(b.chunks(CHUNK).map(<[u8]>::to_vec)),
                    Part::Generated { seed, size } => Box::new(Base64Lines::new(seed, *size)),
                }
            })
    }

    /// The whole message.
    pub fn to_bytes(&self) -> Vec<u8> {
        let mut out = Vec::with_capacity(usize::try_from(self.len()).unwrap_or(0));
        for chunk in self.chunks() {
            out.extend_from_slice(&chunk);
        }
        out
    }
}

/// How many bytes the base64 lines of `size` bytes take.
pub(crate) fn base64_len(size: u64) -> u64 {
    let chars = size.div_ceil(3).saturating_mul(4);
    let lines = size.div_ceil(LINE_BYTES as u64);
    chars.saturating_add(lines.saturating_sub(1).saturating_mul(2))
}

/// Deterministic pseudo-random bytes (xorshift seeded by a name), so a
/// large attachment costs no file and is the same in every run.
pub(super) struct Generator {
    state: u64,
    remaining: u64,
    buffer: [u8; 8],
    used: usize,
}

impl Generator {
    pub(super) fn new(seed: &str, size: u64) -> Self {
        let state = seed.bytes().fold(0x9e37_79b9_7f4a_7c15_u64, |h, b| {
            (h ^ b as u64).wrapping_mul(0x100_0000_01b3)
        }) | 1;
        Self {
            state,
            remaining: size,
            buffer: [0; 8],
            used: 8,
        }
    }

    /// Appends up to `n` of the next bytes to `out`; how many.
    pub(super) fn fill(&mut self, out: &mut Vec<u8>, n: usize) -> usize {
        let n = n.min(usize::try_from(self.remaining).unwrap_or(usize::MAX));
        for _ in 0..n {
            if self.used == 8 {
                self.state ^= self.state << 13;
                self.state ^= self.state >> 7;
                self.state ^= self.state << 17;
                self.buffer = self.state.to_le_bytes();
                self.used = 0;
            }
            out.push(self.buffer[self.used]);
            self.used += 1;
        }
        self.remaining -= n as u64;
        n
    }
}

/// The base64 lines of a generated body, about [`CHUNK`] bytes at a time.
struct Base64Lines {
    bytes: Generator,
    first: bool,
}

impl Base64Lines {
    fn new(seed: &str, size: u64) -> Self {
        Self {
            bytes: Generator::new(seed, size),
            first: true,
        }
    }
}

impl Iterator for Base64Lines {
    type Item = Vec<u8>;

    fn next(&mut self) -> Option<Vec<u8>> {
        let mut out = Vec::with_capacity(CHUNK + 80);
        let mut raw = Vec::with_capacity(LINE_BYTES);
        while out.len() < CHUNK {
            raw.clear();
            if self.bytes.fill(&mut raw, LINE_BYTES) == 0 {
                break;
            }
            if !std::mem::take(&mut self.first) {
                out.extend_from_slice(b"\r\n");
            }
            let mut line = [0u8; 76];
            let len = base64::engine::general_purpose::STANDARD
                .encode_slice(&raw, &mut line)
                .expect("76 bytes hold the base64 of 57");
            out.extend_from_slice(&line[..len]);
        }
        (!out.is_empty()).then_some(out)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn generated(seed: &str, size: u64) -> Vec<u8> {
        let mut out = Vec::new();
        Generator::new(seed, size).fill(&mut out, usize::MAX);
        out
    }

    /// The lines are those lettre writes for the same bytes.
    #[test]
    fn base64_lines_are_lettres() {
        use lettre::message::{Body, header::ContentTransferEncoding};
        for size in [0u64, 1, 2, 3, 56, 57, 58, 114, 1000, 200_000] {
            let bytes = generated("x.bin", size);
            let expected = Body::new_with_encoding(bytes, ContentTransferEncoding::Base64)
                .unwrap()
                .into_vec();
            let mut message = Outgoing::new();
            message.push_generated("x.bin", size);
            assert!(message.to_bytes() == expected, "size {size}");
            assert_eq!(message.len(), expected.len() as u64, "size {size}");
        }
    }

    #[test]
    fn chunks_are_bounded_and_join_to_the_message() {
        let mut message = Outgoing::new();
        message.push_bytes(b"head\r\n");
        message.push_generated("big.bin", 1_000_000);
        message.push_bytes(b"\r\ntail");
        let chunks: Vec<Vec<u8>> = message.chunks().collect();
        assert!(chunks.iter().all(|c| c.len() <= CHUNK + 80));
        assert!(chunks.len() > 10);
        assert_eq!(chunks.concat(), message.to_bytes());
        assert_eq!(message.len(), message.to_bytes().len() as u64);
        assert!(message.is_ascii());
    }

    #[test]
    fn the_generator_repeats_itself_and_differs_by_seed() {
        assert_eq!(generated("x", 10), generated("x", 10));
        assert_ne!(generated("x", 10), generated("y", 10));
        let mut halves = Vec::new();
        let mut g = Generator::new("x", 20);
        g.fill(&mut halves, 7);
        g.fill(&mut halves, 100);
        assert_eq!(halves, generated("x", 20));
        assert_eq!(base64_len(u64::MAX), u64::MAX);
    }
}
