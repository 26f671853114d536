//! `dedup._native`: the `dedup` crate's scan and batch stages for Python.
//!
//! Thin on purpose: options become a [`ScanConfig`], texts come in as the buffers of Arrow
//! arrays (read in place, not copied), results go out as flat little-endian buffers that
//! `dedup/__init__.py` wraps into Arrow arrays without copying again. Every algorithm is the
//! crate's.

use dedup::batch::{self, NearSketch};
use dedup::corpus::input::DEFAULT_TEXT_FIELD;
use dedup::corpus::{Diagnostic, InputFormat, InputOptions, Severity, WalkOptions};
use dedup::findings::{PairFinding, PairKind};
use dedup::lsh::LshParams;
use dedup::report::jsonl::{pair_record, round6};
use dedup::scan::{scan, ScanConfig};
use dedup::DocId;
use pyo3::buffer::PyBuffer;
use pyo3::create_exception;
use pyo3::exceptions::{PyException, PyTypeError};
use pyo3::prelude::*;
use pyo3::types::{PyBytes, PyDict};
use std::path::PathBuf;

create_exception!(
    _native,
    DedupError,
    PyException,
    "A bad option or input, with the message the `dedup` command line gives."
);

/// The options every function takes, named as the command line's long flags (`min_words` for
/// `--min-words`).
const OPTION_NAMES: [&str; 17] = [
    "threshold",
    "ngram",
    "perms",
    "bands",
    "seed",
    "min_words",
    "max_df",
    "min_containment",
    "no_overlap",
    "hidden",
    "no_ignore",
    "follow",
    "glob",
    "max_bytes",
    "input_format",
    "text_field",
    "id_field",
];

/// Reads one option, or its default.
fn option<'py, T: FromPyObjectOwned<'py>>(
    options: Option<&Bound<'py, PyDict>>,
    name: &str,
    default: T,
) -> PyResult<T> {
    match options.map(|o| o.get_item(name)).transpose()?.flatten() {
        Some(value) if !value.is_none() => value
            .extract()
            .map_err(|_| PyTypeError::new_err(format!("option {name}: wrong type ({value})"))),
        _ => Ok(default),
    }
}

/// The scan configuration `options` describe, checked as the command line checks it.
fn config_of(options: Option<&Bound<'_, PyDict>>) -> PyResult<ScanConfig> {
    if let Some(options) = options {
        for key in options.keys() {
            let key: String = key.extract()?;
            if !OPTION_NAMES.contains(&key.as_str()) {
                return Err(PyTypeError::new_err(format!(
                    "unknown option {key} (options: {})",
                    OPTION_NAMES.join(", ")
                )));
            }
        }
    }
    let threshold: f64 = option(options, "threshold", 0.8)?;
    let mut config = ScanConfig::new(threshold);
    config.ngram = option(options, "ngram", config.ngram)?;
    config.perms = option(options, "perms", config.perms)?;
    config.seed = option(options, "seed", config.seed)?;
    let bands = option::<Option<usize>>(options, "bands", None)?;
    config.lsh = LshParams::chosen(bands, threshold, config.perms).map_err(DedupError::new_err)?;
    config.min_words = option(options, "min_words", config.min_words)?;
    config.max_df = option(options, "max_df", config.max_df)?;
    config.min_containment = option(options, "min_containment", config.min_containment)?;
    config.overlap = !option(options, "no_overlap", false)?;
    config.walk = walk_of(options)?;
    config
        .validate()
        .map_err(|e| DedupError::new_err(e.to_string()))?;
    Ok(config)
}

fn walk_of(options: Option<&Bound<'_, PyDict>>) -> PyResult<WalkOptions> {
    let defaults = WalkOptions::default();
    let format = match option(options, "input_format", "auto".to_string())?.as_str() {
        "auto" => InputFormat::Auto,
        "text" => InputFormat::Text,
        "jsonl" => InputFormat::Jsonl,
        other => {
            return Err(DedupError::new_err(format!(
                "--input-format {other}: expected auto, text or jsonl"
            )))
        }
    };
    Ok(WalkOptions {
        hidden: option(options, "hidden", false)?,
        no_ignore: option(options, "no_ignore", false)?,
        follow: option(options, "follow", false)?,
        globs: option(options, "glob", Vec::new())?,
        max_bytes: option(options, "max_bytes", defaults.max_bytes)?,
        input: InputOptions {
            format,
            text_field: option(options, "text_field", DEFAULT_TEXT_FIELD.to_string())?,
            id_field: option(options, "id_field", None)?,
        },
        spools: Default::default(),
    })
}

/// `(severity, path, message)`, as the `warning` and `error` records give them.
type DiagnosticTuple = (&'static str, String, String);

fn diagnostic_tuple(d: Diagnostic) -> DiagnosticTuple {
    let severity = match d.severity {
        Severity::Warning => "warning",
        Severity::Error => "error",
    };
    (severity, d.path, d.message)
}

/// Runs `dedup scan --format jsonl` over `paths`; returns the JSON Lines text.
#[pyfunction]
#[pyo3(signature = (paths, options=None))]
fn scan_jsonl(
    py: Python<'_>,
    paths: Vec<PathBuf>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<String> {
    let config = config_of(options)?;
    let report = py
        .detach(|| scan(&paths, &config))
        .map_err(|e| DedupError::new_err(e.to_string()))?;
    let mut out = Vec::new();
    dedup::report::jsonl::write(&report, &mut out)
        .map_err(|e| DedupError::new_err(e.to_string()))?;
    Ok(String::from_utf8(out).expect("JSON is UTF-8"))
}

/// The files a scan of `paths` reads, in the scan's order, and the problems met finding them.
#[pyfunction]
#[pyo3(signature = (paths, options=None))]
fn discover(
    paths: Vec<PathBuf>,
    options: Option<&Bound<'_, PyDict>>,
) -> PyResult<(Vec<PathBuf>, Vec<DiagnosticTuple>)> {
    let walk = config_of(options)?.walk;
    // Paths, not display strings: a name that is not UTF-8 comes back as Python's
    // surrogate-escaped str and opens again; the names in the output come from `read_file`.
    let (files, problems) = batch::discover_files(&paths, &walk);
    Ok((files, problems.into_iter().map(diagnostic_tuple).collect()))
}

/// What [`read_file`] gives: names, texts, problems.
type FileDocuments<'py> = (Vec<String>, Vec<Bound<'py, PyBytes>>, Vec<DiagnosticTuple>);

/// The documents of one file: names, texts, and the problems met reading it.
#[pyfunction]
#[pyo3(signature = (path, options=None))]
fn read_file<'py>(
    py: Python<'py>,
    path: PathBuf,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<FileDocuments<'py>> {
    let walk = config_of(options)?.walk;
    let (documents, problems) = py.detach(|| batch::read_file(path, &walk));
    let mut names = Vec::with_capacity(documents.len());
    let mut texts = Vec::with_capacity(documents.len());
    for document in documents {
        names.push(document.name);
        texts.push(PyBytes::new(py, &document.bytes));
    }
    Ok((
        names,
        texts,
        problems.into_iter().map(diagnostic_tuple).collect(),
    ))
}

/// The bytes of a buffer-protocol object (an Arrow buffer), read in place.
struct Bytes(PyBuffer<u8>);

impl Bytes {
    fn of(object: &Bound<'_, PyAny>) -> PyResult<Self> {
        let buffer = PyBuffer::<u8>::get(object)?;
        if !buffer.is_c_contiguous() {
            return Err(PyTypeError::new_err("a contiguous buffer is needed"));
        }
        Ok(Bytes(buffer))
    }

    fn as_slice(&self) -> &[u8] {
        if self.0.len_bytes() == 0 {
            return &[];
        }
        // SAFETY: the buffer is contiguous (checked in `of`), `len_bytes` long, and held (so
        // neither freed nor resized) for as long as `self` lives. Its bytes do not change while
        // the slice is read: Arrow buffers are immutable, and the functions reading them keep
        // the GIL, so no Python code can write to another exporter's buffer meanwhile.
        unsafe { std::slice::from_raw_parts(self.0.buf_ptr() as *const u8, self.0.len_bytes()) }
    }
}

/// A string or binary Arrow array seen through its buffers: `offsets` (int32 or int64, as
/// `offset_width` says) and `data`, from element `first` on, `len` elements.
struct TextColumn<'a> {
    offsets: &'a [u8],
    data: &'a [u8],
    offset_width: usize,
    first: usize,
}

impl<'a> TextColumn<'a> {
    fn text(&self, i: usize) -> PyResult<&'a [u8]> {
        let at = |j: usize| -> PyResult<usize> {
            let w = self.offset_width;
            let bytes = self
                .offsets
                .get(j * w..(j + 1) * w)
                .ok_or_else(|| PyTypeError::new_err("offsets buffer too short"))?;
            Ok(match w {
                4 => i32::from_le_bytes(bytes.try_into().expect("4 bytes")) as usize,
                _ => i64::from_le_bytes(bytes.try_into().expect("8 bytes")) as usize,
            })
        };
        let (start, end) = (at(self.first + i)?, at(self.first + i + 1)?);
        self.data
            .get(start..end)
            .ok_or_else(|| PyTypeError::new_err("data buffer too short"))
    }
}

fn le_bytes<T: Copy, const N: usize>(values: &[T], to_le: impl Fn(T) -> [u8; N]) -> Vec<u8> {
    values.iter().flat_map(|&v| to_le(v)).collect()
}

/// What [`sketch_arrow`] gives: flat buffers of words (u32), content hashes (16 bytes),
/// signatures (`perms` u32 each) and band keys (`bands` u64 each), then `perms` and `bands`.
type SketchBuffers<'py> = (
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    Bound<'py, PyBytes>,
    usize,
    usize,
);

/// An Arrow string or binary array as Python passes it: its offsets and data buffers, the width
/// of an offset (4 or 8) and the array's first element.
type ArrowTexts<'py> = (Bound<'py, PyAny>, Bound<'py, PyAny>, usize, usize);

/// The buffers of an [`ArrowTexts`], held while they are read.
struct HeldColumn {
    offsets: Bytes,
    data: Bytes,
    offset_width: usize,
    first: usize,
}

impl HeldColumn {
    fn of((offsets, data, offset_width, first): &ArrowTexts<'_>) -> PyResult<Self> {
        if *offset_width != 4 && *offset_width != 8 {
            return Err(PyTypeError::new_err("offsets are 4 or 8 bytes wide"));
        }
        Ok(HeldColumn {
            offsets: Bytes::of(offsets)?,
            data: Bytes::of(data)?,
            offset_width: *offset_width,
            first: *first,
        })
    }

    /// The first `len` texts.
    fn texts(&self, len: usize) -> PyResult<Vec<&[u8]>> {
        let column = TextColumn {
            offsets: self.offsets.as_slice(),
            data: self.data.as_slice(),
            offset_width: self.offset_width,
            first: self.first,
        };
        (0..len).map(move |i| column.text(i)).collect()
    }
}

/// Sketches the first `len` texts of an Arrow string or binary array.
#[pyfunction]
#[pyo3(signature = (texts, len, options=None))]
fn sketch_arrow<'py>(
    py: Python<'py>,
    texts: ArrowTexts<'py>,
    len: usize,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<SketchBuffers<'py>> {
    let config = config_of(options)?;
    let column = HeldColumn::of(&texts)?;
    let texts = column.texts(len)?;
    // The GIL stays held while the buffers are read (by rayon's threads too): no Python code
    // can change a writable buffer (a bytearray) under the slices meanwhile.
    let sketches: Vec<NearSketch> = {
        use rayon::prelude::*;
        texts
            .par_iter()
            .map(|t| batch::sketch_for_near_duplicates(t, &config))
            .collect()
    };
    let words: Vec<u32> = sketches.iter().map(|s| s.words).collect();
    let hashes: Vec<u128> = sketches.iter().map(|s| s.content_hash).collect();
    let signatures: Vec<u32> = sketches
        .iter()
        .flat_map(|s| s.signature.values().iter().copied())
        .collect();
    let keys: Vec<u64> = sketches
        .iter()
        .flat_map(|s| s.band_keys.iter().copied())
        .collect();
    Ok((
        PyBytes::new(py, &le_bytes(&words, u32::to_le_bytes)),
        PyBytes::new(py, &le_bytes(&hashes, u128::to_le_bytes)),
        PyBytes::new(py, &le_bytes(&signatures, u32::to_le_bytes)),
        PyBytes::new(py, &le_bytes(&keys, u64::to_le_bytes)),
        config.perms,
        config.lsh.bands,
    ))
}

/// Verifies `len` candidate pairs, texts `a[i]` and `b[i]` of two Arrow arrays: five buffers of
/// one value per pair: whether it is a near-duplicate (u8), then its jaccard, estimate,
/// containment_a and containment_b (f64, rounded as the JSON Lines output rounds them; 0 when
/// not a near-duplicate).
#[pyfunction]
#[pyo3(signature = (a, b, len, options=None))]
fn verify_arrow<'py>(
    py: Python<'py>,
    a: ArrowTexts<'py>,
    b: ArrowTexts<'py>,
    len: usize,
    options: Option<&Bound<'py, PyDict>>,
) -> PyResult<Vec<Bound<'py, PyBytes>>> {
    let config = config_of(options)?;
    let (a, b) = (HeldColumn::of(&a)?, HeldColumn::of(&b)?);
    let pairs: Vec<(&[u8], &[u8])> = a.texts(len)?.into_iter().zip(b.texts(len)?).collect();
    // The GIL stays held while the buffers are read, as in `sketch_arrow`.
    let found: Vec<Option<[f64; 4]>> = {
        use rayon::prelude::*;
        pairs
            .par_iter()
            .map(|(a, b)| {
                batch::verify_texts(a, b, &config)
                    .map(|p| [p.jaccard, p.estimate, p.containment_a, p.containment_b].map(round6))
            })
            .collect()
    };
    let near: Vec<u8> = found.iter().map(|f| f.is_some() as u8).collect();
    let column = |i: usize| -> Vec<u8> {
        let values: Vec<f64> = found.iter().map(|f| f.map_or(0.0, |v| v[i])).collect();
        le_bytes(&values, f64::to_le_bytes)
    };
    let mut out = vec![PyBytes::new(py, &near)];
    out.extend((0..4).map(|i| PyBytes::new(py, &column(i))));
    Ok(out)
}

/// The candidate pairs of one LSH bucket, its members sorted: the scan's rule (all pairs in a
/// small bucket, a linear number in a large one).
#[pyfunction]
fn bucket_pairs(members: Vec<i64>) -> PyResult<Vec<(i64, i64)>> {
    if members.windows(2).any(|w| w[0] >= w[1]) {
        return Err(DedupError::new_err(
            "bucket members must be sorted and distinct",
        ));
    }
    Ok(batch::bucket_pairs(&members))
}

/// One `pair` record of the JSON Lines output: `kind` is `near_duplicate` (with the values
/// [`verify_arrow`] gives: jaccard, estimate, containment_a, containment_b) or
/// `exact_duplicate` (values ignored: all 1).
#[pyfunction]
#[pyo3(signature = (a, b, kind, values=[1.0; 4]))]
fn pair_json(a: &str, b: &str, kind: &str, values: [f64; 4]) -> PyResult<String> {
    let (kind, values) = match kind {
        "near_duplicate" => (PairKind::NearDuplicate, values),
        "exact_duplicate" => (PairKind::ExactDuplicate, [1.0; 4]),
        other => return Err(DedupError::new_err(format!("no pair kind {other}"))),
    };
    let [jaccard, estimate, containment_a, containment_b] = values;
    let pair = PairFinding {
        a: DocId(0),
        b: DocId(1),
        kind,
        jaccard,
        estimate,
        containment_a,
        containment_b,
        passages: Vec::new(),
    };
    Ok(pair_record(a, b, &pair))
}

/// One `cluster` record of the JSON Lines output, as `dedup scan` writes it.
#[pyfunction]
fn cluster_json(members: Vec<String>, keep: &str) -> String {
    let members: Vec<&str> = members.iter().map(String::as_str).collect();
    dedup::report::jsonl::cluster_record(&members, keep)
}

/// One `warning` or `error` record of the JSON Lines output, as `dedup scan` writes it.
#[pyfunction]
fn diagnostic_json(severity: &str, path: String, message: String) -> PyResult<String> {
    let diagnostic = diagnostic_of(severity, path, message)?;
    Ok(dedup::report::jsonl::diagnostic_record(&diagnostic))
}

/// The diagnostic a `warning` or `error` record of the JSON Lines output stands for.
fn diagnostic_of(severity: &str, path: String, message: String) -> PyResult<Diagnostic> {
    match severity {
        "warning" => Ok(Diagnostic::warning(path, message)),
        "error" => Ok(Diagnostic::error(path, message)),
        other => Err(DedupError::new_err(format!("no diagnostic type {other}"))),
    }
}

/// A string that sorts `warning` and `error` records as `dedup scan` orders them.
#[pyfunction]
fn diagnostic_order_key(severity: &str, path: String, message: String) -> PyResult<String> {
    Ok(diagnostic_of(severity, path, message)?.order_key())
}

/// The `summary` record, given as JSON, written as `dedup scan` writes it.
#[pyfunction]
fn summary_json(fields: &str) -> PyResult<String> {
    dedup::report::jsonl::summary_record(fields).map_err(DedupError::new_err)
}

/// The LSH layout `options` give: `(bands, rows)`.
#[pyfunction]
#[pyo3(signature = (options=None))]
fn lsh_layout(options: Option<&Bound<'_, PyDict>>) -> PyResult<(usize, usize)> {
    let config = config_of(options)?;
    Ok((config.lsh.bands, config.lsh.rows))
}

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("DedupError", m.py().get_type::<DedupError>())?;
    m.add_function(wrap_pyfunction!(scan_jsonl, m)?)?;
    m.add_function(wrap_pyfunction!(discover, m)?)?;
    m.add_function(wrap_pyfunction!(read_file, m)?)?;
    m.add_function(wrap_pyfunction!(sketch_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(verify_arrow, m)?)?;
    m.add_function(wrap_pyfunction!(bucket_pairs, m)?)?;
    m.add_function(wrap_pyfunction!(pair_json, m)?)?;
    m.add_function(wrap_pyfunction!(lsh_layout, m)?)?;
    m.add_function(wrap_pyfunction!(cluster_json, m)?)?;
    m.add_function(wrap_pyfunction!(diagnostic_json, m)?)?;
    m.add_function(wrap_pyfunction!(diagnostic_order_key, m)?)?;
    m.add_function(wrap_pyfunction!(summary_json, m)?)?;
    Ok(())
}
