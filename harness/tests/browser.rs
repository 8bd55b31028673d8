//! The HTML report in a real browser: headless Chromium renders a generated report; the
//! DOM must hold the summary matrix and a labelled leak, and a screenshot must show a page.
//!
//! Skips loudly without Chromium, except under CI=true, where it must run.

use std::path::{Path, PathBuf};
use std::process::Command;

fn chromium() -> Option<PathBuf> {
    let candidates = [
        std::env::var("CHROMIUM").unwrap_or_default(),
        "/usr/bin/chromium".to_string(),
        "/usr/bin/chromium-browser".to_string(),
        "/usr/bin/google-chrome".to_string(),
    ];
    candidates
        .into_iter()
        .filter(|c| !c.is_empty())
        .map(PathBuf::from)
        .find(|p| p.exists())
}

/// Headless flags that need no network, no GPU, no sandbox (CI runs as root).
fn headless(browser: &Path, profile: &Path) -> Command {
    let mut command = Command::new(browser);
    command.args([
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
    ]);
    command.arg(format!("--user-data-dir={}", profile.display()));
    command
}

#[test]
fn the_report_opens_in_chromium_with_the_matrix_and_labelled_leaks() {
    let Some(browser) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true requires Chromium for the report test (apt-get install chromium)");
        }
        eprintln!(
            "\n*** SKIPPING the browser test: no Chromium found (apt-get install chromium)\n"
        );
        return;
    };
    let dir = std::env::temp_dir().join(format!("harness-browser-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("profile")).expect("temp dir");
    let report = dir.join("report.html");

    let run = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "run",
            "crash.unwrap-none",
            "db.invalid-sql",
            "--backend",
            "sqlite",
            "--format",
            "json",
            "--report",
        ])
        .arg(&report)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("harness runs");
    assert_eq!(
        run.status.code(),
        Some(0),
        "{}",
        String::from_utf8_lossy(&run.stderr)
    );

    let url = format!("file://{}", report.display());
    let dom = headless(&browser, &dir.join("profile"))
        .arg("--dump-dom")
        .arg(&url)
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    assert!(
        dom.contains("id=\"matrix\""),
        "the summary matrix is in the DOM"
    );
    assert!(
        dom.contains("<td>crash.unwrap-none</td>"),
        "a matrix row per class"
    );
    assert!(
        dom.contains("<span class=\"rule\">rust.panic-message</span>"),
        "a leak is highlighted and labelled by its rule id"
    );
    assert!(
        dom.contains("No leak found."),
        "the prod side says it is clean"
    );

    let shot = dir.join("report.png");
    let status = headless(&browser, &dir.join("profile"))
        .arg(format!("--screenshot={}", shot.display()))
        .arg("--window-size=1280,1600")
        .arg(&url)
        .status()
        .expect("chromium runs");
    assert!(status.success());
    let png = std::fs::read(&shot).expect("a screenshot");
    assert_eq!(&png[..8], b"\x89PNG\r\n\x1a\n", "a PNG");
    let width = u32::from_be_bytes([png[16], png[17], png[18], png[19]]);
    let height = u32::from_be_bytes([png[20], png[21], png[22], png[23]]);
    assert_eq!((width, height), (1280, 1600));
    // A blank or unstyled page compresses to a few KB; the rendered report is far larger.
    assert!(
        png.len() > 40_000,
        "the screenshot shows a real page ({} bytes)",
        png.len()
    );
    let _ = std::fs::remove_dir_all(&dir);
}
