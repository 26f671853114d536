//! The compact encodings of an index file: LEB128 integers, front-coded names, Rice-coded
//! fingerprint sets.
//!
//! Every decoder here is bounded by the bytes it is given and says `None` on anything a writer
//! could not have produced (a run past the end, a value past its range, non-zero padding), so a
//! damaged or hostile file is refused, never a panic or a huge allocation.

/// Appends `v` as an unsigned LEB128 integer (7 bits a byte, low first).
pub fn put_varint(out: &mut Vec<u8>, mut v: u64) {
    while v >= 0x80 {
        out.push((v as u8) | 0x80);
        v >>= 7;
    }
    out.push(v as u8);
}

/// Decodes one LEB128 integer from `bytes[*at..]`, advancing `at`. At most 10 bytes; `None` when
/// it runs past the end, does not fit 64 bits, or is not in its shortest form.
pub fn get_varint(bytes: &[u8], at: &mut usize) -> Option<u64> {
    let mut v = 0u64;
    for i in 0..10 {
        let byte = *bytes.get(*at)?;
        *at += 1;
        let low = u64::from(byte & 0x7F);
        if i == 9 && low > 1 {
            return None;
        }
        v |= low << (7 * i);
        if byte & 0x80 == 0 {
            // A final zero byte after the first is a longer form of a shorter number.
            return (i == 0 || byte != 0).then_some(v);
        }
    }
    None
}

/// Bytes the two names share at their start.
pub fn shared_prefix(a: &[u8], b: &[u8]) -> usize {
    a.iter().zip(b).take_while(|(x, y)| x == y).count()
}

/// The Rice parameter for `count` distinct sorted 32-bit values: the gaps between them average
/// 2^32 / count, and `32 - bit_length(count)` low bits per gap keep the coded size within 0.1
/// bit of the optimum for geometrically distributed gaps (about `32 - log2(count) + 2` bits a
/// value).
pub fn rice_bits(count: usize) -> u32 {
    let bit_length = usize::BITS - count.leading_zeros();
    32u32.saturating_sub(bit_length)
}

/// Appends the Rice code of `values` (sorted, distinct): each gap to the previous value (minus
/// one, as the values are distinct; the first from zero) as a unary quotient (that many 0 bits,
/// then a 1) and [`rice_bits`] low bits, least significant bit first, padded with zeros to a
/// whole byte.
pub fn encode_sorted(values: &[u32], out: &mut Vec<u8>) {
    debug_assert!(values.windows(2).all(|w| w[0] < w[1]), "sorted, distinct");
    let r = rice_bits(values.len());
    let mut bits = BitWriter {
        out,
        acc: 0,
        len: 0,
    };
    let mut next = 0u64;
    for &v in values {
        let gap = u64::from(v) - next;
        next = u64::from(v) + 1;
        let mut q = gap >> r;
        while q >= 32 {
            bits.put(0, 32);
            q -= 32;
        }
        bits.put(1 << q, q as u32 + 1);
        bits.put(gap & low_mask(r), r);
    }
    bits.flush();
}

/// Decodes `count` values written by [`encode_sorted`] from exactly `bytes`, appending them to
/// `out`; `None` unless `bytes` is precisely such a code.
pub fn decode_sorted(bytes: &[u8], count: usize, out: &mut Vec<u32>) -> Option<()> {
    let r = rice_bits(count);
    let mut bits = BitReader {
        bytes,
        at: 0,
        buf: 0,
        avail: 0,
    };
    let mut next = 0u64;
    for _ in 0..count {
        // No quotient can be larger than this without the value passing 2^32.
        let limit = ((1u64 << 32) - next) >> r;
        bits.refill();
        let zeros = bits.buf.trailing_zeros();
        let gap = if zeros + 1 + r <= bits.avail {
            // The common case: the whole code of the value is in the buffer.
            let q = u64::from(zeros);
            if q > limit {
                return None;
            }
            bits.consume(zeros + 1);
            (q << r) | bits.take(r)?
        } else {
            let q = bits.unary(limit)?;
            (q << r) | bits.take(r)?
        };
        let v = next + gap;
        if v > u64::from(u32::MAX) {
            return None;
        }
        out.push(v as u32);
        next = v + 1;
    }
    bits.finished().then_some(())
}

fn low_mask(bits: u32) -> u64 {
    if bits >= 64 {
        u64::MAX
    } else {
        (1u64 << bits) - 1
    }
}

struct BitWriter<'a> {
    out: &'a mut Vec<u8>,
    acc: u64,
    len: u32,
}

impl BitWriter<'_> {
    /// Appends the low `n` bits of `bits` (`n` at most 33).
    fn put(&mut self, bits: u64, n: u32) {
        debug_assert!(n <= 33 && bits & !low_mask(n) == 0);
        self.acc |= bits << self.len;
        self.len += n;
        while self.len >= 8 {
            self.out.push(self.acc as u8);
            self.acc >>= 8;
            self.len -= 8;
        }
    }

    fn flush(&mut self) {
        if self.len > 0 {
            self.out.push(self.acc as u8);
        }
    }
}

/// Reads bits least significant first; `buf` holds `avail` (at most 63) bits not consumed yet,
/// and zeros above them.
struct BitReader<'a> {
    bytes: &'a [u8],
    at: usize,
    buf: u64,
    avail: u32,
}

impl BitReader<'_> {
    fn refill(&mut self) {
        if let Some(word) = self.bytes.get(self.at..self.at + 8) {
            let word = u64::from_le_bytes(word.try_into().expect("8 bytes"));
            let take = (63 - self.avail) / 8;
            self.buf |= (word & low_mask(take * 8)) << self.avail;
            self.avail += take * 8;
            self.at += take as usize;
        } else {
            while self.avail <= 55 && self.at < self.bytes.len() {
                self.buf |= u64::from(self.bytes[self.at]) << self.avail;
                self.avail += 8;
                self.at += 1;
            }
        }
    }

    fn consume(&mut self, n: u32) {
        self.buf = self.buf.checked_shr(n).unwrap_or(0);
        self.avail -= n;
    }

    /// Zeros up to the next one; `None` past the end or past `limit` zeros.
    fn unary(&mut self, limit: u64) -> Option<u64> {
        let mut q = 0u64;
        loop {
            self.refill();
            if self.avail == 0 {
                return None;
            }
            let zeros = self.buf.trailing_zeros();
            if zeros < self.avail {
                q += u64::from(zeros);
                self.consume(zeros + 1);
                return (q <= limit).then_some(q);
            }
            q += u64::from(self.avail);
            self.consume(self.avail);
            if q > limit {
                return None;
            }
        }
    }

    /// The next `n` bits (`n` at most 32).
    fn take(&mut self, n: u32) -> Option<u64> {
        if self.avail < n {
            self.refill();
            if self.avail < n {
                return None;
            }
        }
        let v = self.buf & low_mask(n);
        self.consume(n);
        Some(v)
    }

    /// True when every byte was read and only zero padding, less than a byte of it, is left.
    fn finished(&self) -> bool {
        self.at == self.bytes.len() && self.avail < 8 && self.buf == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn varints_round_trip_and_refuse_overlong_forms() {
        let mut out = Vec::new();
        let values = [0, 1, 127, 128, 300, u64::from(u32::MAX), u64::MAX];
        for v in values {
            put_varint(&mut out, v);
        }
        let mut at = 0;
        for v in values {
            assert_eq!(get_varint(&out, &mut at), Some(v));
        }
        assert_eq!(at, out.len());
        assert_eq!(get_varint(&out, &mut at), None);
        assert_eq!(get_varint(&[0x80, 0x00], &mut 0), None, "overlong zero");
        assert_eq!(get_varint(&[0xFF; 10], &mut 0), None, "past 64 bits");
        assert_eq!(get_varint(&[0x80], &mut 0), None, "cut short");
    }

    fn round_trip(values: &[u32]) -> Vec<u8> {
        let mut code = Vec::new();
        encode_sorted(values, &mut code);
        let mut back = Vec::new();
        assert_eq!(decode_sorted(&code, values.len(), &mut back), Some(()));
        assert_eq!(back, values);
        code
    }

    #[test]
    fn rice_codes_round_trip_at_every_size() {
        assert!(round_trip(&[]).is_empty());
        round_trip(&[0]);
        round_trip(&[u32::MAX]);
        round_trip(&[0, 1, 2, u32::MAX - 1, u32::MAX]);
        let mut state = 0x1234_5678_9ABC_DEF0u64;
        for count in [1usize, 2, 3, 7, 100, 209, 1000, 70_000] {
            let mut values: Vec<u32> = (0..count)
                .map(|_| {
                    state ^= state << 13;
                    state ^= state >> 7;
                    state ^= state << 17;
                    (state >> 32) as u32
                })
                .collect();
            values.sort_unstable();
            values.dedup();
            let code = round_trip(&values);
            // Within 2.1 bits a value of the entropy of a random set, `32 - log2(n) + 1.44`
            // bits a value, less the padding of the last byte.
            let bits_each = (code.len() - 1) as f64 * 8.0 / values.len() as f64;
            let ideal = 32.0 - (values.len() as f64).log2();
            assert!(bits_each < ideal + 2.1, "{count}: {bits_each} bits a value");
        }
    }

    #[test]
    fn rice_decoding_refuses_what_no_writer_makes() {
        let code = round_trip(&[5, 1 << 20, 1 << 31]);
        let decode = |bytes: &[u8], count| decode_sorted(bytes, count, &mut Vec::new());
        assert_eq!(decode(&code, 4), None, "fewer values than counted");
        assert_eq!(decode(&code, 2), None, "bytes left over");
        assert_eq!(decode(&code[..code.len() - 1], 3), None, "cut short");
        let mut padded = code.clone();
        padded.push(0);
        assert_eq!(decode(&padded, 3), None, "a trailing byte");
        // All zeros: a unary run longer than any value allows.
        assert_eq!(decode(&[0; 64], 1), None);
        // Ones: gaps that push the values past 2^32.
        assert_eq!(decode(&[0xFF; 64], 1), None);
        let mut state = 7u64;
        for _ in 0..2000 {
            let mut bytes = code.clone();
            state = state
                .wrapping_mul(6_364_136_223_846_793_005)
                .wrapping_add(1);
            let at = (state >> 33) as usize % bytes.len();
            bytes[at] ^= 1 << ((state >> 20) % 8);
            let mut out = Vec::new();
            if decode_sorted(&bytes, 3, &mut out).is_some() {
                assert!(out.windows(2).all(|w| w[0] < w[1]));
            }
        }
    }

    #[test]
    fn names_share_prefixes_byte_wise() {
        assert_eq!(shared_prefix(b"corpus/a.txt", b"corpus/b.txt"), 7);
        assert_eq!(shared_prefix(b"", b"x"), 0);
        assert_eq!(shared_prefix(b"same", b"same"), 4);
    }
}
