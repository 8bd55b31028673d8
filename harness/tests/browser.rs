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

/// Where the first step's dev and prod answers land at 1280 px, large type on, and how
/// many lines the dev body takes: measured by a script added to a copy of the report (the
/// report itself runs none).
#[test]
fn projector_mode_keeps_dev_and_prod_side_by_side_at_1280_px_with_readable_json() {
    let Some(browser) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true requires Chromium for the report test (apt-get install chromium)");
        }
        eprintln!("\n*** SKIPPING the projector test: no Chromium found\n");
        return;
    };
    let dir = std::env::temp_dir().join(format!("harness-projector-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("profile")).expect("temp dir");
    let report = dir.join("report.html");
    let run = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "run",
            "crash.unwrap-none",
            "--backend",
            "sqlite",
            "--format",
            "json",
        ])
        .arg("--report")
        .arg(&report)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("harness runs");
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    const PROBE: &str = r#"<script>
document.getElementById('large').checked = true;
const sides = [...document.querySelector('.sides').children].map(e => e.getBoundingClientRect());
const pre = document.querySelector('.side.mode-dev pre:last-of-type');
const probe = document.createElement('output');
probe.id = 'probe';
probe.textContent = JSON.stringify({
  tops: sides.map(r => Math.round(r.top)), lefts: sides.map(r => Math.round(r.left)),
  width: window.innerWidth, bodyLines: pre.textContent.split('\n').length });
document.body.append(probe);
</script></body>"#;
    let html = std::fs::read_to_string(&report).expect("the report");
    let probed = dir.join("probed.html");
    std::fs::write(&probed, html.replace("</body>", PROBE)).expect("probed copy");
    let dom = headless(&browser, &dir.join("profile"))
        .args(["--window-size=1280,900", "--dump-dom"])
        .arg(format!("file://{}", probed.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    let json = dom
        .split("<output id=\"probe\">")
        .nth(1)
        .and_then(|rest| rest.split("</output>").next())
        .expect("the probe ran")
        .replace("&quot;", "\"");
    let probe: serde_json::Value = serde_json::from_str(&json).expect("probe JSON");
    assert_eq!(probe["width"], 1280, "{probe}");
    let (tops, lefts) = (&probe["tops"], &probe["lefts"]);
    assert_eq!(tops[0], tops[1], "dev and prod on one row: {probe}");
    assert!(
        lefts[1].as_i64() > lefts[0].as_i64(),
        "prod right of dev: {probe}"
    );
    assert!(
        probe["bodyLines"].as_i64() > Some(10),
        "the dev JSON body is laid out one field a line: {probe}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// The report of every SQL-injection lesson (their URLs are the longest unbroken words the
/// lab prints) fits a 1280 px window, with large type off and on, and the projector toggle
/// sits inside its label in the controls bar rather than alone at the top left.
#[test]
fn long_injection_urls_keep_the_report_within_1280_px_and_the_toggle_is_labelled() {
    let Some(browser) = chromium() else {
        if std::env::var("CI").is_ok_and(|v| v == "true") {
            panic!("CI=true requires Chromium for the report test (apt-get install chromium)");
        }
        eprintln!("\n*** SKIPPING the report width test: no Chromium found\n");
        return;
    };
    let dir = std::env::temp_dir().join(format!("harness-width-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(dir.join("profile")).expect("temp dir");
    let report = dir.join("report.html");
    // Every backend that answers (PostgreSQL's schema lesson has the longest URL; CI has it).
    let run = Command::new(env!("CARGO_BIN_EXE_harness"))
        .args([
            "run",
            "class:db.invalid-sql",
            "--format",
            "json",
            "--report",
        ])
        .arg(&report)
        .current_dir(concat!(env!("CARGO_MANIFEST_DIR"), "/.."))
        .output()
        .expect("harness runs");
    assert_eq!(run.status.code(), Some(0), "{run:?}");
    let html = std::fs::read_to_string(&report).expect("the report");
    let longest = html
        .split(|c: char| c.is_whitespace() || c == '<' || c == '>')
        .map(str::len)
        .max()
        .unwrap_or(0);
    assert!(
        longest > 150,
        "the report holds a long unbroken word ({longest} bytes)"
    );
    const PROBE: &str = r#"<script>
const box = document.getElementById('large');
const page = () => document.documentElement.scrollWidth;
const result = { width: window.innerWidth, labels: box.labels.length,
  inControls: box.closest('.controls') !== null, normal: page() };
box.checked = true;
result.large = page();
result.largeFont = parseFloat(getComputedStyle(document.querySelector('main')).fontSize);
const probe = document.createElement('output');
probe.id = 'probe';
probe.textContent = JSON.stringify(result);
document.body.append(probe);
</script></body>"#;
    let probed = dir.join("probed.html");
    std::fs::write(&probed, html.replace("</body>", PROBE)).expect("probed copy");
    let dom = headless(&browser, &dir.join("profile"))
        .args(["--window-size=1280,900", "--dump-dom"])
        .arg(format!("file://{}", probed.display()))
        .output()
        .expect("chromium runs");
    let dom = String::from_utf8_lossy(&dom.stdout);
    let json = dom
        .split("<output id=\"probe\">")
        .nth(1)
        .and_then(|rest| rest.split("</output>").next())
        .expect("the probe ran")
        .replace("&quot;", "\"");
    let probe: serde_json::Value = serde_json::from_str(&json).expect("probe JSON");
    assert_eq!(probe["width"], 1280, "{probe}");
    assert!(
        probe["normal"].as_i64() <= Some(1280),
        "page wider than the window: {probe}"
    );
    assert!(
        probe["large"].as_i64() <= Some(1280),
        "large type widens the page: {probe}"
    );
    assert!(
        probe["largeFont"].as_f64() > Some(20.0),
        "the toggle enlarges the type: {probe}"
    );
    assert_eq!(probe["labels"], 1, "the toggle has its label: {probe}");
    assert_eq!(
        probe["inControls"], true,
        "the toggle is in the controls bar: {probe}"
    );
    let _ = std::fs::remove_dir_all(&dir);
}
