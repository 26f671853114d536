//! Occurrences in `--format jsonl` are arrays, `[doc, start, end, line]` (and `words` where an
//! edited copy's differ), naming their document by number; a `document` record gives the path.
//! Tests read them as objects with a `path` through [`with_paths`].

use serde_json::Value;
use std::collections::HashMap;

/// The records, with every occurrence of a `passage` or `quote` made an object (`doc`, `path`
/// from the `document` records, which must name every document an occurrence uses, `start`,
/// `end`, `line`, and `words` where given).
pub fn with_paths(mut records: Vec<Value>) -> Vec<Value> {
    let paths: HashMap<u64, Value> = records
        .iter()
        .filter(|r| r["type"] == "document")
        .map(|r| (r["doc"].as_u64().unwrap(), r["path"].clone()))
        .collect();
    for r in records
        .iter_mut()
        .filter(|r| r["type"] == "passage" || r["type"] == "quote")
    {
        for o in r["occurrences"].as_array_mut().unwrap() {
            let fields = o.as_array().expect("an occurrence is an array").clone();
            assert!(fields.len() == 4 || fields.len() == 5, "{o}");
            let doc = fields[0]
                .as_u64()
                .expect("an occurrence names its document");
            let path = paths.get(&doc).expect("a document record for it").clone();
            let mut object = serde_json::json!({
                "doc": doc,
                "path": path,
                "start": fields[1],
                "end": fields[2],
                "line": fields[3],
            });
            if let Some(words) = fields.get(4) {
                object["words"] = words.clone();
            }
            *o = object;
        }
    }
    records
}
