//! LSH banding: which documents become candidate pairs.
//!
//! A signature of `bands * rows` values is cut into `bands` bands of `rows` values; two documents
//! become candidates when all `rows` values of at least one band agree. For documents with Jaccard
//! similarity `s` that happens with probability
//!
//! ```text
//! P(s) = 1 - (1 - s^rows)^bands
//! ```
//!
//! the S-curve: near 0 far below the threshold, near 1 above it. Verification afterwards is exact,
//! so a false positive costs only time while a false negative is lost for good. The parameters are
//! therefore chosen so that a pair AT the threshold is a candidate with probability at least
//! [`TARGET_RECALL`], and among such choices the one with the most rows (fewest false positives).
//!
//! ```
//! use dedup::lsh::LshParams;
//! // 128 permutations, threshold 0.8: 21 bands of 6 rows; P(0.8) = 0.998, P(0.5) = 0.28.
//! let p = LshParams::for_threshold(0.8, 128);
//! assert_eq!((p.bands, p.rows), (21, 6));
//! assert!(p.candidate_probability(0.8) >= 0.99);
//! // Threshold 0.5: 42 bands of 3 rows.
//! let p = LshParams::for_threshold(0.5, 128);
//! assert_eq!((p.bands, p.rows), (42, 3));
//! ```

use crate::minhash::Signature;
use crate::DocId;
use rayon::prelude::*;
use xxhash_rust::xxh3::xxh3_64_with_seed;

/// The probability with which a pair exactly at the threshold must become a candidate.
pub const TARGET_RECALL: f64 = 0.99;

/// A band layout: `bands` bands of `rows` signature values each.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LshParams {
    /// Number of bands (hash tables).
    pub bands: usize,
    /// Signature values per band.
    pub rows: usize,
}

/// The key of one band of one signature.
pub type BandKey = u64;

impl LshParams {
    /// The layout for `perms` values in which a pair at `threshold` is a candidate with
    /// probability at least [`TARGET_RECALL`], with as many rows as possible. When even one row
    /// per band cannot reach the target (a very low threshold with few permutations), one row
    /// per band is the best there is and is returned.
    pub fn for_threshold(threshold: f64, perms: usize) -> Self {
        let mut best = LshParams {
            bands: perms,
            rows: 1,
        };
        for rows in 1..=perms {
            let candidate = LshParams {
                bands: perms / rows,
                rows,
            };
            if candidate.candidate_probability(threshold) >= TARGET_RECALL {
                best = candidate;
            }
        }
        best
    }

    /// The layout `--bands` asks for, else the one [`LshParams::for_threshold`] derives.
    pub fn chosen(bands: Option<usize>, threshold: f64, perms: usize) -> Result<Self, String> {
        match bands {
            Some(bands) => Self::with_bands(bands, perms),
            None => Ok(Self::for_threshold(threshold, perms)),
        }
    }

    /// The layout with a given number of bands; `bands` must divide `perms`.
    pub fn with_bands(bands: usize, perms: usize) -> Result<Self, String> {
        if bands == 0 || bands > perms || perms % bands != 0 {
            return Err(format!(
                "--bands {bands} must be between 1 and --perms {perms} and divide it"
            ));
        }
        Ok(LshParams {
            bands,
            rows: perms / bands,
        })
    }

    /// The probability that a pair with Jaccard similarity `s` becomes a candidate.
    pub fn candidate_probability(&self, s: f64) -> f64 {
        1.0 - (1.0 - s.powi(self.rows as i32)).powi(self.bands as i32)
    }

    /// The band keys of a signature: one hash per band of its `rows` values, seeded with the band
    /// number so equal values in different bands never collide.
    pub fn band_keys(&self, signature: &Signature) -> Vec<BandKey> {
        self.band_keys_of(signature.values())
    }

    /// The band keys of signature values as stored (in an index).
    pub fn band_keys_of(&self, values: &[u32]) -> Vec<BandKey> {
        assert!(
            values.len() >= self.bands * self.rows,
            "signature shorter than the bands"
        );
        (0..self.bands)
            .map(|band| self.band_key(values, band))
            .collect()
    }

    /// The key of one band of signature values (what [`LshParams::band_keys_of`] gives at
    /// `band`): the xxh3 of the band's values, little-endian, seeded with the band number.
    #[inline]
    pub fn band_key(&self, values: &[u32], band: usize) -> BandKey {
        let rows = &values[band * self.rows..(band + 1) * self.rows];
        let mut buf = [0u8; 4 * 64];
        if rows.len() <= 64 {
            for (slot, v) in buf.chunks_exact_mut(4).zip(rows) {
                slot.copy_from_slice(&v.to_le_bytes());
            }
            return xxh3_64_with_seed(&buf[..4 * rows.len()], band as u64);
        }
        let bytes: Vec<u8> = rows.iter().flat_map(|v| v.to_le_bytes()).collect();
        xxh3_64_with_seed(&bytes, band as u64)
    }
}

/// One band's buckets: sorted keys, and for each the documents that share it.
#[derive(Debug, Default)]
struct BandTable {
    keys: Vec<BandKey>,
    /// `members[starts[i]..starts[i + 1]]` are the documents of `keys[i]`, ascending.
    starts: Vec<u32>,
    members: Vec<DocId>,
}

impl BandTable {
    fn build(mut entries: Vec<(BandKey, DocId)>, keep_singletons: bool) -> Self {
        entries.sort_unstable();
        let mut table = BandTable::default();
        for run in entries.chunk_by(|x, y| x.0 == y.0) {
            if run.len() < 2 && !keep_singletons {
                continue;
            }
            table.keys.push(run[0].0);
            table.starts.push(table.members.len() as u32);
            table.members.extend(run.iter().map(|&(_, doc)| doc));
        }
        table.starts.push(table.members.len() as u32);
        table
    }

    fn bucket(&self, key: BandKey) -> &[DocId] {
        match self.keys.binary_search(&key) {
            Ok(i) => &self.members[self.starts[i] as usize..self.starts[i + 1] as usize],
            Err(_) => &[],
        }
    }

    fn multi_member_buckets(&self) -> impl Iterator<Item = &[DocId]> {
        self.starts
            .windows(2)
            .map(|w| &self.members[w[0] as usize..w[1] as usize])
            .filter(|bucket| bucket.len() >= 2)
    }
}

/// The banding index over a set of documents.
#[derive(Debug)]
pub struct LshIndex {
    params: LshParams,
    tables: Vec<BandTable>,
}

impl LshIndex {
    /// Builds the index from each document's band keys. With `keep_singletons` false only buckets
    /// with two or more documents are kept (enough to find pairs within the set); keep them to
    /// answer queries for documents outside the set.
    pub fn build(params: LshParams, docs: &[(DocId, Vec<BandKey>)], keep_singletons: bool) -> Self {
        let tables = (0..params.bands)
            .into_par_iter()
            .map(|band| {
                let entries = docs.iter().map(|(doc, keys)| (keys[band], *doc)).collect();
                BandTable::build(entries, keep_singletons)
            })
            .collect();
        LshIndex { params, tables }
    }

    /// [`LshIndex::build`] from signatures: each band's keys are computed while that band's
    /// table is built, so no document ever holds all its band keys at once (about 200 bytes per
    /// document at 128 permutations and threshold 0.8). The same index as `build` with
    /// [`LshParams::band_keys`].
    pub fn build_from_signatures(
        params: LshParams,
        docs: &[(DocId, &Signature)],
        keep_singletons: bool,
    ) -> Self {
        let tables = (0..params.bands)
            .into_par_iter()
            .map(|band| {
                let entries = docs
                    .iter()
                    .map(|&(doc, signature)| (params.band_key(signature.values(), band), doc))
                    .collect();
                BandTable::build(entries, keep_singletons)
            })
            .collect();
        LshIndex { params, tables }
    }

    /// The layout this index was built with.
    pub fn params(&self) -> LshParams {
        self.params
    }

    /// Documents sharing at least one band with `keys`, ascending, without repeats.
    pub fn query(&self, keys: &[BandKey]) -> Vec<DocId> {
        let mut found: Vec<DocId> = self
            .tables
            .iter()
            .zip(keys)
            .flat_map(|(table, &key)| table.bucket(key).iter().copied())
            .collect();
        found.sort_unstable();
        found.dedup();
        found
    }

    /// The documents after `doc` (whose band keys are `keys`) that share a bucket with it: all
    /// of them in buckets of at most `max_bucket` documents. A larger bucket is one text in many
    /// documents (a corpus of edited copies of one template), where all pairs would cost and
    /// print the square of its size; there `doc` is paired with the bucket's first document and
    /// with the next one after it only, a linear number of pairs that still connects every member
    /// whose pairs verify (clusters come out the same when the copies are near-duplicates of
    /// each other, as such a bucket's members almost always are).
    pub fn partners_after(&self, doc: DocId, keys: &[BandKey], max_bucket: usize) -> Vec<DocId> {
        let mut found: Vec<DocId> = Vec::new();
        for (table, &key) in self.tables.iter().zip(keys) {
            let bucket = table.bucket(key);
            let at = bucket.partition_point(|&d| d <= doc);
            if bucket.len() <= max_bucket || bucket.first() == Some(&doc) {
                found.extend_from_slice(&bucket[at..]);
            } else {
                found.extend(bucket.get(at).copied());
            }
        }
        found.sort_unstable();
        found.dedup();
        found
    }

    /// Every document that shares a bucket with another one.
    pub fn documents_with_candidates(&self) -> Vec<DocId> {
        let mut docs: Vec<DocId> = self
            .tables
            .iter()
            .flat_map(|t| t.multi_member_buckets().flatten().copied())
            .collect();
        docs.par_sort_unstable();
        docs.dedup();
        docs
    }
}

/// The candidate pairs of one bucket whose members are sorted and distinct: every pair up to
/// `max_bucket` members; in a larger bucket, the first member with each other one and each member
/// with the next, a linear number (what [`LshIndex::partners_after`] gives, pair by pair).
pub fn bucket_pairs<T: Copy + Ord>(members: &[T], max_bucket: usize) -> Vec<(T, T)> {
    if members.len() <= max_bucket {
        return members
            .iter()
            .enumerate()
            .flat_map(|(i, &a)| members[i + 1..].iter().map(move |&b| (a, b)))
            .collect();
    }
    let first = members[0];
    let with_first = members[1..].iter().map(|&b| (first, b));
    let with_next = members[1..].windows(2).map(|w| (w[0], w[1]));
    with_first.chain(with_next).collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::minhash::MinHasher;

    /// `bucket_pairs` is `partners_after` pair by pair, below and above the all-pairs size.
    #[test]
    fn bucket_pairs_are_the_partners_after_each_member() {
        let params = LshParams { bands: 4, rows: 2 };
        let signature = Signature::from_values(vec![7; 8]);
        for size in [2, 5, 6, 40] {
            let docs: Vec<(DocId, &Signature)> =
                (0..size).map(|i| (DocId(i * 3), &signature)).collect();
            let index = LshIndex::build_from_signatures(params, &docs, false);
            let keys = params.band_keys(&signature);
            let mut by_partners: Vec<(DocId, DocId)> = docs
                .iter()
                .flat_map(|&(a, _)| {
                    let partners = index.partners_after(a, &keys, 5);
                    partners.into_iter().map(move |b| (a, b))
                })
                .collect();
            by_partners.sort_unstable();
            let members: Vec<DocId> = docs.iter().map(|&(d, _)| d).collect();
            let mut pairs = bucket_pairs(&members, 5);
            pairs.sort_unstable();
            assert_eq!(pairs, by_partners, "a bucket of {size}");
        }
    }

    #[test]
    fn pinned_layouts_for_common_thresholds() {
        let layout = |t| {
            let p = LshParams::for_threshold(t, 128);
            (p.bands, p.rows)
        };
        assert_eq!(layout(0.9), (12, 10));
        assert_eq!(layout(0.8), (21, 6));
        assert_eq!(layout(0.7), (32, 4));
        assert_eq!(layout(0.5), (42, 3));
    }

    #[test]
    fn chosen_layouts_reach_the_target_recall() {
        for t in [0.3, 0.5, 0.6, 0.7, 0.8, 0.85, 0.9, 0.95] {
            for perms in [16, 64, 128, 256] {
                let p = LshParams::for_threshold(t, perms);
                assert!(p.bands * p.rows <= perms);
                assert!(
                    p.candidate_probability(t) >= TARGET_RECALL,
                    "t={t} perms={perms} {p:?}"
                );
            }
        }
    }

    #[test]
    fn with_bands_rejects_layouts_that_do_not_divide() {
        assert!(LshParams::with_bands(3, 128).is_err());
        assert!(LshParams::with_bands(0, 128).is_err());
        assert!(LshParams::with_bands(256, 128).is_err());
        assert_eq!(LshParams::with_bands(16, 128).unwrap().rows, 8);
    }

    #[test]
    fn building_from_signatures_gives_the_same_index() {
        let hasher = MinHasher::new(128, 3);
        let params = LshParams::for_threshold(0.7, 128);
        let signatures: Vec<Signature> = (0..60u64)
            .map(|i| hasher.sign((i / 3 * 1000)..(i / 3 * 1000 + 40 + i % 3)))
            .collect();
        let keyed: Vec<(DocId, Vec<BandKey>)> = signatures
            .iter()
            .enumerate()
            .map(|(i, s)| (DocId(i as u32), params.band_keys(s)))
            .collect();
        let signed: Vec<(DocId, &Signature)> = signatures
            .iter()
            .enumerate()
            .map(|(i, s)| (DocId(i as u32), s))
            .collect();
        for keep in [false, true] {
            let a = LshIndex::build(params, &keyed, keep);
            let b = LshIndex::build_from_signatures(params, &signed, keep);
            assert_eq!(a.documents_with_candidates(), b.documents_with_candidates());
            assert!(!a.documents_with_candidates().is_empty());
            for (_, keys) in &keyed {
                assert_eq!(a.query(keys), b.query(keys));
            }
        }
    }

    #[test]
    fn band_keys_are_pinned() {
        // A changed band key would silently change which pairs become candidates.
        let signature = Signature::from_values((0..128u32).map(|v| v * 7919).collect());
        let params = LshParams::for_threshold(0.8, 128);
        let keys = params.band_keys(&signature);
        let bytes: Vec<u8> = (0..6u32).flat_map(|v| (v * 7919).to_le_bytes()).collect();
        assert_eq!(keys[0], xxh3_64_with_seed(&bytes, 0));
        assert_eq!(keys.len(), 21);
        assert_eq!(keys[20], params.band_key(signature.values(), 20));
    }

    #[test]
    fn identical_signatures_share_every_bucket() {
        let hasher = MinHasher::new(128, 0);
        let params = LshParams::for_threshold(0.8, 128);
        let a = params.band_keys(&hasher.sign(0..500u64));
        let c = params.band_keys(&hasher.sign(10_000..10_500u64));
        let docs = vec![(DocId(0), a.clone()), (DocId(1), a.clone()), (DocId(2), c)];
        let index = LshIndex::build(params, &docs, false);
        assert_eq!(index.query(&a), vec![DocId(0), DocId(1)]);
        assert_eq!(index.documents_with_candidates(), vec![DocId(0), DocId(1)]);
    }

    /// All pairs of a small bucket; of a large one, its first document with every other and
    /// each with the next: linear, and still one connected component.
    #[test]
    fn a_large_bucket_makes_a_linear_number_of_connecting_pairs() {
        let hasher = MinHasher::new(128, 0);
        let params = LshParams::for_threshold(0.8, 128);
        let keys = params.band_keys(&hasher.sign(0..500u64));
        let docs: Vec<(DocId, Vec<BandKey>)> = (0..100).map(|i| (DocId(i), keys.clone())).collect();
        let index = LshIndex::build(params, &docs, false);
        let pairs = |max_bucket: usize| -> Vec<(u32, u32)> {
            (0..100)
                .flat_map(|a| {
                    index
                        .partners_after(DocId(a), &keys, max_bucket)
                        .into_iter()
                        .map(move |b| (a, b.0))
                })
                .collect()
        };
        assert_eq!(pairs(100).len(), 100 * 99 / 2);
        let linear = pairs(32);
        assert_eq!(linear.len(), 99 + 98);
        assert!(linear.iter().all(|&(a, b)| a < b && (a == 0 || b == a + 1)));
        let mut components = crate::cluster::UnionFind::new(100);
        for &(a, b) in &linear {
            components.union(a, b);
        }
        assert!((0..100).all(|d| components.find(d) == components.find(0)));
    }
}
