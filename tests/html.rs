//! The HTML report in a real browser: headless Chromium renders the seeds report and takes a
//! screenshot, and the DOM (read back with `--dump-dom` after a probe script ran in the page)
//! shows the quote "miscarriage of justice" highlighted, with the same colour, in both columns of
//! the view that the shared text of 000 and 001 links to, and the shared text listed with a link
//! to that view. Document text must be escaped: a `<script>` in a document never runs.
//!
//! `.ci/run` installs Debian's chromium. Without a browser the test fails under CI (`CI` set) and
//! says so and passes elsewhere, so `cargo test` still works on a machine without one.

use assert_cmd::Command;
use std::path::{Path, PathBuf};
use std::process::Command as Process;

fn chromium() -> Option<PathBuf> {
    if let Some(path) = std::env::var_os("CHROME") {
        return Some(PathBuf::from(path));
    }
    let found = [
        "/usr/bin/chromium",
        "/usr/bin/chromium-browser",
        "/usr/bin/google-chrome",
    ]
    .iter()
    .map(PathBuf::from)
    .find(|p| p.exists());
    if found.is_none() {
        assert!(
            std::env::var_os("CI").is_none(),
            "CI must have chromium (.ci/run installs it)"
        );
        eprintln!("no chromium found: the browser test did not run");
    }
    found
}

/// Runs headless Chromium on a local page with the flags this sandboxed machine needs.
fn headless(browser: &Path, profile: &Path, args: &[&str], page: &Path) -> std::process::Output {
    let output = Process::new(browser)
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--window-size=1400,1600",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(args)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("chromium runs");
    assert!(
        output.status.success(),
        "chromium failed: {}",
        String::from_utf8_lossy(&output.stderr)
    );
    output
}

fn report(paths: &[&Path], out: &Path) {
    let status = Command::cargo_bin("dedup")
        .unwrap()
        .arg("scan")
        .args(paths)
        .args(["--format", "html", "--output"])
        .arg(out)
        .output()
        .unwrap()
        .status;
    assert_eq!(status.code(), Some(1), "findings expected");
}

/// Loads `page` with `probe` (a JavaScript expression giving a string) run at the end of the body,
/// and returns the string, read from the DOM Chromium dumps.
fn probe(browser: &Path, dir: &Path, page: &Path, probe: &str) -> String {
    let html = std::fs::read_to_string(page).unwrap();
    let script = format!("<pre id=\"probe-result\"></pre><script>document.getElementById('probe-result').textContent = {probe};</script></body>");
    let probed = dir.join("probed.html");
    std::fs::write(&probed, html.replace("</body>", &script)).unwrap();
    let out = headless(browser, &dir.join("profile"), &["--dump-dom"], &probed);
    let dom = String::from_utf8(out.stdout).unwrap();
    let start = dom
        .find("<pre id=\"probe-result\">")
        .expect("the probe ran")
        + "<pre id=\"probe-result\">".len();
    let end = start + dom[start..].find("</pre>").unwrap();
    dom[start..end]
        .replace("&lt;", "<")
        .replace("&gt;", ">")
        .replace("&quot;", "\"")
        .replace("&amp;", "&")
}

/// For each column of the first pair: the computed background colour of every highlighted
/// passage that contains the quote.
const HIGHLIGHTS: &str = r##"(() => {
  const needle = "miscarriage of justice";
  const pair = document.querySelector("article.pair");
  const column = (side) => Array.from(pair.querySelectorAll(".doc-" + side + " a.passage"))
    .filter((el) => el.textContent.replace(/\s+/g, " ").includes(needle))
    .map((el) => getComputedStyle(el).backgroundColor);
  const link = document.querySelector("#shared .group a[href^='#pair-']");
  return JSON.stringify({ a: column("a"), b: column("b"), link: link && link.getAttribute("href"), view: pair.id });
})()"##;

#[test]
fn seeds_report_highlights_the_quote_in_both_columns() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let html = dir.path().join("report.html");
    report(&[Path::new("seeds")], &html);

    let png = dir.path().join("report.png");
    headless(
        &browser,
        &dir.path().join("profile"),
        &[&format!("--screenshot={}", png.display())],
        &html,
    );
    let image = std::fs::read(&png).expect("a screenshot");
    assert!(
        image.len() > 10_000 && image.starts_with(b"\x89PNG"),
        "a real screenshot"
    );

    let found: serde_json::Value =
        serde_json::from_str(&probe(&browser, dir.path(), &html, HIGHLIGHTS)).unwrap();
    for side in ["a", "b"] {
        let colours = found[side].as_array().unwrap();
        assert_eq!(colours.len(), 1, "column {side}: {found}");
        let colour = colours[0].as_str().unwrap();
        assert!(
            colour != "rgba(0, 0, 0, 0)" && colour != "transparent",
            "column {side} not highlighted: {colour}"
        );
    }
    assert_eq!(found["a"], found["b"], "the same colour on both sides");
    // The shared text of 000 and 001 links to that view.
    assert_eq!(found["link"], "#pair-0", "{found}");
    assert_eq!(found["view"], "pair-0");
}

#[test]
fn document_text_is_escaped() {
    let Some(browser) = chromium() else { return };
    let dir = tempfile::tempdir().unwrap();
    let shared = "the committee resolved <script>window.pwned = 1;</script> that the bridge will reopen in the spring after repairs";
    let a = dir.path().join("a.txt");
    let b = dir.path().join("b.txt");
    std::fs::write(
        &a,
        format!("Minutes of the first meeting. {shared}. Nothing else was decided."),
    )
    .unwrap();
    std::fs::write(
        &b,
        format!("A letter from a reader: I heard {shared}, which is good news."),
    )
    .unwrap();
    let html = dir.path().join("report.html");
    report(&[&a, &b], &html);
    let page = std::fs::read_to_string(&html).unwrap();
    assert!(
        !page.contains("<script>window.pwned"),
        "raw markup from a document in the page"
    );

    let seen = probe(
        &browser,
        dir.path(),
        &html,
        "JSON.stringify({ pwned: String(window.pwned), shown: document.querySelector('.doc-a a.passage').textContent })",
    );
    let seen: serde_json::Value = serde_json::from_str(&seen).unwrap();
    assert_eq!(seen["pwned"], "undefined", "a script from a document ran");
    assert!(
        seen["shown"]
            .as_str()
            .unwrap()
            .contains("<script>window.pwned = 1;</script>"),
        "{seen}"
    );
}
