//! Clusters: connected components of near-duplicate and exact-duplicate pairs (union-find), and
//! the one member of each to keep.
//!
//! The member to keep is the one with the most words (the most complete version), ties broken by
//! the smallest path, so the choice is deterministic and does not depend on thread count or on the
//! order the files were found in.

use crate::DocId;

/// Disjoint sets over `0..n` with path halving and union by size.
#[derive(Debug, Clone)]
pub struct UnionFind {
    parent: Vec<u32>,
    size: Vec<u32>,
}

impl UnionFind {
    /// `n` singleton sets.
    pub fn new(n: usize) -> Self {
        UnionFind {
            parent: (0..n as u32).collect(),
            size: vec![1; n],
        }
    }

    /// The representative of `x`'s set.
    pub fn find(&mut self, mut x: u32) -> u32 {
        while self.parent[x as usize] != x {
            let grandparent = self.parent[self.parent[x as usize] as usize];
            self.parent[x as usize] = grandparent;
            x = grandparent;
        }
        x
    }

    /// Joins the sets of `a` and `b`.
    pub fn union(&mut self, a: u32, b: u32) {
        let (mut ra, mut rb) = (self.find(a), self.find(b));
        if ra == rb {
            return;
        }
        if self.size[ra as usize] < self.size[rb as usize] {
            std::mem::swap(&mut ra, &mut rb);
        }
        self.parent[rb as usize] = ra;
        self.size[ra as usize] += self.size[rb as usize];
    }
}

/// A group of documents that are near-duplicates of each other (directly or through others).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Cluster {
    /// Members, ascending (that is, by path).
    pub members: Vec<DocId>,
    /// The member to keep.
    pub keep: DocId,
}

/// The clusters of `n` documents joined by `edges`, with the member to keep chosen by `words`
/// (most words wins, then smallest id). Only components of two or more documents are returned,
/// ordered by their first member.
pub fn clusters(
    n: usize,
    edges: impl IntoIterator<Item = (DocId, DocId)>,
    words: &[u32],
) -> Vec<Cluster> {
    let mut sets = UnionFind::new(n);
    for (a, b) in edges {
        sets.union(a.0, b.0);
    }
    let mut by_root: Vec<(u32, DocId)> = (0..n as u32).map(|i| (sets.find(i), DocId(i))).collect();
    by_root.sort_unstable();
    let mut out: Vec<Cluster> = by_root
        .chunk_by(|x, y| x.0 == y.0)
        .filter(|group| group.len() >= 2)
        .map(|group| {
            let members: Vec<DocId> = group.iter().map(|&(_, d)| d).collect();
            let keep = *members
                .iter()
                .max_by_key(|d| (words[d.index()], std::cmp::Reverse(d.0)))
                .expect("a cluster has members");
            Cluster { members, keep }
        })
        .collect();
    out.sort_by_key(|c| c.members[0]);
    out
}

/// For each document, the first member of its cluster (itself when it is in none).
pub fn first_member_of(clusters: &[Cluster], docs: usize) -> Vec<u32> {
    let mut cluster_of: Vec<u32> = (0..docs as u32).collect();
    for cluster in clusters {
        for member in &cluster.members {
            cluster_of[member.index()] = cluster.members[0].0;
        }
    }
    cluster_of
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn components_and_keep() {
        let edges = [
            (DocId(0), DocId(3)),
            (DocId(3), DocId(4)),
            (DocId(1), DocId(2)),
        ];
        let words = [10, 50, 50, 99, 10, 7];
        let found = clusters(6, edges, &words);
        assert_eq!(
            found,
            vec![
                Cluster {
                    members: vec![DocId(0), DocId(3), DocId(4)],
                    keep: DocId(3)
                },
                Cluster {
                    members: vec![DocId(1), DocId(2)],
                    keep: DocId(1)
                },
            ]
        );
    }

    #[test]
    fn no_edges_no_clusters() {
        assert!(clusters(3, [], &[1, 2, 3]).is_empty());
    }
}
